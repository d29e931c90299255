/**
 * Best-quality mode benchmark (prints figures, asserts nothing): WIDER FACE AP by the official protocol (easy /
 * medium / hard) on the 120 shared images, one pass at the image's own size vs best-quality mode (`--tta`:
 * insightface's multi-scale + flip test, merged by box voting, and by NMS for comparison), every detection at score
 * 0.02 as insightface's WIDER test runs; and the time per image (the file's JPEG decoding excluded).
 *
 * Usage: flock /tmp/bench.lock npm run bench:quality [-- --models retinaface-mnet025,retinaface-mnet025-biubug6
 *        --threads 1 --step 1 --tta-scales 500,800,1100,1400,1700]
 * `--step n` takes every n-th image (a quicker, smaller sample: its AP is not the 120-image figure).
 * Predictions go through the WIDER txt writer and reader, as files would, before they are evaluated.
 */
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CandidateMerger, type Face } from '../src/core/index.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { findCatalogModel } from '../src/models/catalog.ts';
import { decodeImageFile } from '../src/node/image-file.ts';
import { NodeDetector } from '../src/node/node-detector.ts';
import { widerPrediction } from '../src/node/wider-format.ts';

import { evaluateWider, groundTruthFromJson, parseWiderPredictionFile, type ImagePredictions } from '../src/eval/index.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const WIDER = join(root, '..', 'shared', 'testdata', 'wider-val-120');
const SCORE = 0.02;

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'retinaface-mnet025' },
    threads: { type: 'string', default: '1' },
    step: { type: 'string', default: '1' },
    'tta-scales': { type: 'string' },
  },
});
const step = Number(values.step);
const scales = values['tta-scales']?.split(',').map(Number);
const images = readdirSync(join(WIDER, 'images'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.jpg'))
  .map((e) => join(e.parentPath, e.name))
  .sort()
  .filter((_, i) => i % step === 0);

/** Faces → a WIDER prediction file's text → what the evaluation reads (boxes truncated as the official writer does). */
function asWiderFile(file: string, faces: Face[]): ImagePredictions {
  const name = basename(file, extname(file));
  return parseWiderPredictionFile(widerPrediction(name, faces), basename(dirname(file)), file);
}

interface Mode {
  label: string;
  predictions: ImagePredictions[];
  seconds: number[];
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const groundTruth = groundTruthFromJson(JSON.parse(readFileSync(join(WIDER, 'gt.json'), 'utf8')), 'gt.json');
console.log(`WIDER FACE val, ${images.length} of the 120 shared images, official protocol; score ${SCORE}; ${values.threads} WASM thread(s)`);
console.log('model                        mode                          easy    medium  hard    s/image (mean, median)');

for (const id of values.models.split(',')) {
  const model = findCatalogModel(id);
  if (!model) throw new Error(`Unknown model ${id}`);
  const detector = await NodeDetector.create({ model: join(root, 'public', 'models', model.file), threads: Number(values.threads) });
  const merger = new CandidateMerger();
  const single: Mode = { label: 'single pass, native size', predictions: [], seconds: [] };
  const vote: Mode = { label: 'best (--tta): box vote', predictions: [], seconds: [] };
  const nms: Mode = { label: 'best (--tta-merge nms)', predictions: [], seconds: [] };
  for (const file of images) {
    const image = await decodeImageFile(file);
    let t0 = performance.now();
    const fast = await detector.detectImage(image, { scoreThreshold: SCORE });
    single.seconds.push((performance.now() - t0) / 1000);
    single.predictions.push(asWiderFile(file, fast.faces));

    t0 = performance.now();
    const { plan, candidates } = await detector.collectCandidates(image, { scoreThreshold: SCORE, tta: { scales } });
    const passes = performance.now() - t0;
    let t1 = performance.now();
    vote.predictions.push(asWiderFile(file, merger.merge(candidates, plan, {})));
    vote.seconds.push((passes + performance.now() - t1) / 1000);
    t1 = performance.now();
    nms.predictions.push(asWiderFile(file, merger.merge(candidates, { ...plan, merge: 'nms' }, {})));
    nms.seconds.push((passes + performance.now() - t1) / 1000);
  }
  await detector.release();

  const ap = new Map<Mode, { easy: number; medium: number; hard: number }>();
  for (const mode of [single, vote, nms]) {
    const r = evaluateWider(mode.predictions, groundTruth);
    ap.set(mode, r);
    const mean = mode.seconds.reduce((a, b) => a + b, 0) / mode.seconds.length;
    const figures = [r.easy, r.medium, r.hard].map((v) => v.toFixed(4).padEnd(8)).join('');
    console.log(`${id.padEnd(29)}${mode.label.padEnd(30)}${figures}${mean.toFixed(2)} s, ${median(mode.seconds).toFixed(2)} s`);
  }
  const [s, b] = [ap.get(single)!, ap.get(vote)!];
  const gain = (k: 'easy' | 'medium' | 'hard') => `${b[k] - s[k] >= 0 ? '+' : ''}${(b[k] - s[k]).toFixed(4)}`;
  const met = b.hard >= s.hard + 0.05 && b.easy >= s.easy && b.medium >= s.medium;
  console.log(
    `${''.padEnd(29)}${'gain of best (vote)'.padEnd(30)}${gain('easy').padEnd(8)}${gain('medium').padEnd(8)}${gain('hard').padEnd(8)}` +
      `${(vote.seconds.reduce((a, x) => a + x, 0) / single.seconds.reduce((a, x) => a + x, 0)).toFixed(1)}x the time`,
  );
  console.log(`${''.padEnd(29)}target (hard ≥ single + 0.05, easy and medium not lower): ${met ? 'met' : 'NOT met'}`);
}
