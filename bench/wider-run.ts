/**
 * The 120 shared WIDER FACE val images as the benchmarks that measure AP use them: the image list, the ground
 * truth, and a model's predictions on them (one pass at native size, or best quality), written as WIDER txt files
 * would be (whole pixels, 6-digit scores) before the official-protocol evaluation reads them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CandidateMerger, type Face, type TestTimeAugmentationOptions as TtaOptions } from '../src/core/index.ts';
import { evaluateWider, groundTruthFromJson, parseWiderPredictionFile, type ImagePredictions } from '../src/eval/index.ts';
import { decodeImageFile } from '../src/node/image-file.ts';
import type { NodeDetector } from '../src/node/node-detector.ts';
import { widerPrediction } from '../src/node/wider-format.ts';

export const root = fileURLToPath(new URL('../', import.meta.url));
export const WIDER = join(root, '..', 'shared', 'testdata', 'wider-val-120');
/** Every detection down to 0.02, as insightface's WIDER test keeps them: the protocol sweeps its own thresholds. */
export const EVAL_SCORE = 0.02;

/** The shared images' paths, sorted; `step` n keeps every n-th (a smaller sample, not the 120-image figure). */
export function widerImages(step = 1): string[] {
  return readdirSync(join(WIDER, 'images'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jpg'))
    .map((e) => join(e.parentPath, e.name))
    .sort()
    .filter((_, i) => i % step === 0);
}

export const widerGroundTruth = () => groundTruthFromJson(JSON.parse(readFileSync(join(WIDER, 'gt.json'), 'utf8')), 'gt.json');

/** Faces → a WIDER prediction file's text → what the evaluation reads (boxes truncated as the official writer does). */
export function asWiderFile(file: string, faces: readonly Face[]): ImagePredictions {
  const name = basename(file, extname(file));
  return parseWiderPredictionFile(widerPrediction(name, faces as Face[]), basename(dirname(file)), file);
}

export interface ModeRun {
  predictions: ImagePredictions[];
  /** Seconds per image, the JPEG decoding excluded. */
  seconds: number[];
}

export const emptyRun = (): ModeRun => ({ predictions: [], seconds: [] });

/** One image's single pass at native size, into `run`. */
export async function runSinglePass(detector: NodeDetector, file: string, run: ModeRun): Promise<void> {
  const image = await decodeImageFile(file);
  const t0 = performance.now();
  const { faces } = await detector.detectImage(image, { scoreThreshold: EVAL_SCORE });
  run.seconds.push((performance.now() - t0) / 1000);
  run.predictions.push(asWiderFile(file, faces));
}

/**
 * One image in best-quality mode: the passes run once and are merged by each of `merges` (box vote, NMS), into
 * the run of the same index; each merge's time is the passes' plus its own.
 */
export async function runBestQuality(
  detector: NodeDetector,
  merger: CandidateMerger,
  file: string,
  runs: readonly ModeRun[],
  merges: readonly NonNullable<TtaOptions['merge']>[],
  tta: TtaOptions = {},
): Promise<void> {
  const image = await decodeImageFile(file);
  const t0 = performance.now();
  const { plan, candidates } = await detector.collectCandidates(image, { scoreThreshold: EVAL_SCORE, tta });
  const passes = performance.now() - t0;
  merges.forEach((merge, i) => {
    const t1 = performance.now();
    runs[i].predictions.push(asWiderFile(file, merger.merge(candidates, { ...plan, merge }, {})));
    runs[i].seconds.push((passes + performance.now() - t1) / 1000);
  });
}

export interface ApFigures {
  easy: number;
  medium: number;
  hard: number;
}

export const apOf = (run: ModeRun, groundTruth: ReturnType<typeof widerGroundTruth>): ApFigures => {
  const { easy, medium, hard } = evaluateWider(run.predictions, groundTruth);
  return { easy, medium, hard };
};

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const median = (xs: readonly number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
