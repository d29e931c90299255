import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import {
  DEFAULT_IOU_THRESHOLD,
  DEFAULT_MAX_INPUT_SIZE,
  DEFAULT_SCORE_THRESHOLD,
  InvalidInputError,
  type ChannelOrder,
  type Face,
  type InputSizeRequest,
  type TestTimeAugmentationOptions,
} from '../../core/index.ts';
import { DEFAULT_MODEL_ID, MODEL_CATALOG } from '../../models/catalog.ts';
import type { Command } from './command.ts';
import { parseSize } from './args.ts';
import { checkEvaluationRequest, EVALUATION_OPTIONS, parseCommandArgs, runEvaluation } from './eval.ts';
import { readGroundTruth } from '../eval-files.ts';
import { predictionsFromDetectResults } from '../../eval/index.ts';
import { loadSharp } from '../image-file.ts';
import { NodeDetector } from '../node-detector.ts';
import { widerPrediction } from '../wider-format.ts';

const size = (s: { width: number; height: number }) => `${s.width}x${s.height}`;

const HELP = `Usage: retinaface-web detect [options] <image|dir>...

Detects faces in JPEG/PNG images (directories are searched recursively).

Options:
  --model <id|path.onnx>  a model id installed in public/models/ (${MODEL_CATALOG.map((m) => m.id + (m.id === DEFAULT_MODEL_ID ? ', the default' : '')).join('; ')})
                          or an ONNX file (RetinaFace or YuNet)
  --score <t>             minimum face score (default ${DEFAULT_SCORE_THRESHOLD}; yunet: 0.9, as OpenCV)
  --iou <t>               NMS IoU threshold (default ${DEFAULT_IOU_THRESHOLD}; yunet: 0.3, as OpenCV)
  --size native|WxH       input tensor size: native = the image's own size padded to a multiple of 32
                          (dynamic models; the default), or letterbox into WxH
  --max-size WxH          with native: larger images are scaled down to fit (default ${size(DEFAULT_MAX_INPUT_SIZE)})
  --max-faces <n>         keep at most n faces per image (default: all)
  --mirror                flip results horizontally (selfie view)
  --channel-order BGR|RGB the model's input channel order (default BGR)
  --landmark-std <s>      insightface landmark std (default 1; 0.2 for retinaface_mnet025_v2)
  --threads <n>           WASM threads (default 1)
  --tta                   best-quality mode for still images: insightface's WIDER FACE multi-scale test, an
                          image pyramid, each scale also flipped, all candidates merged by box voting (about
                          20-50 times slower; a face found only once is dropped). Dynamic-size models only;
                          not with --size/--max-size
  --tta-scales <list>     the pyramid: pass k scales the image so its shorter side is about list[k] pixels
                          (relative to --tta-target-size, see below) (default 500,800,1100,1400,1700)
  --tta-target-size <n>   base scale: shorter side to n px, unless the longer side would exceed
                          --tta-max-size; then longer side to that (defaults 800 and 1200)
  --tta-max-size <n>      see --tta-target-size (default 1200)
  --tta-no-flip           do not run the flipped image
  --tta-merge vote|nms    merge the passes by box voting (default) or plain NMS
  --format json|wider     json (default): one array on stdout; wider: WIDER FACE prediction files
  --out <dir>             output folder for --format wider (<dir>/<event>/<image>.txt)
  --eval <ground truth>   evaluate the faces on WIDER FACE (see retinaface-web eval --help) and print the
                          result instead of the JSON; --format wider --out still writes the files. With it:
                          --protocol wider|omz, --all-images, --json, --plot <file.svg> as eval has them
  -h, --help              show this help`;

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

function parseNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new InvalidInputError(`${option} takes a number; got "${text}".`);
  return v;
}

function parseTta(values: Record<string, string | boolean | undefined>): TestTimeAugmentationOptions {
  const positive = (text: string | undefined, option: string) => {
    const v = parseNumber(text, option);
    if (v !== undefined && !(v > 0)) throw new InvalidInputError(`${option} takes positive numbers; got "${text}".`);
    return v;
  };
  const list = values['tta-scales'] as string | undefined;
  const merge = values['tta-merge'] as string | undefined;
  if (merge !== undefined && merge !== 'vote' && merge !== 'nms') throw new InvalidInputError(`--tta-merge takes vote or nms; got "${merge}".`);
  return {
    scales: list?.split(',').map((v) => positive(v, '--tta-scales')!),
    targetSize: positive(values['tta-target-size'] as string | undefined, '--tta-target-size'),
    maxSize: positive(values['tta-max-size'] as string | undefined, '--tta-max-size'),
    flip: !values['tta-no-flip'],
    merge,
  };
}

async function listImages(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      const entries = (await readdir(path, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
        .map((e) => join(e.parentPath, e.name))
        .sort();
      files.push(...entries);
    } else {
      files.push(path); // a missing or unreadable file is reported when it is read
    }
  }
  return files;
}

interface JsonResult {
  file: string;
  width: number;
  height: number;
  faces: Face[];
}

export const detectCommand: Command = {
  summary: 'detect faces in images; JSON on stdout or WIDER FACE prediction files',
  async run(args) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        score: { type: 'string' },
        iou: { type: 'string' },
        size: { type: 'string' },
        'max-size': { type: 'string' },
        'max-faces': { type: 'string' },
        mirror: { type: 'boolean' },
        'channel-order': { type: 'string' },
        'landmark-std': { type: 'string' },
        threads: { type: 'string' },
        tta: { type: 'boolean' },
        'tta-scales': { type: 'string' },
        'tta-target-size': { type: 'string' },
        'tta-max-size': { type: 'string' },
        'tta-no-flip': { type: 'boolean' },
        'tta-merge': { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        eval: { type: 'string' },
        ...EVALUATION_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'wider') throw new InvalidInputError(`--format takes json or wider; got "${format}".`);
    if (format === 'wider' && !values.out) throw new InvalidInputError('--format wider needs --out <dir>.');
    if (positionals.length === 0) {
      console.error(HELP);
      return 2;
    }
    const channelOrder = values['channel-order']?.toUpperCase();
    if (channelOrder !== undefined && channelOrder !== 'BGR' && channelOrder !== 'RGB') {
      throw new InvalidInputError(`--channel-order takes BGR or RGB; got "${values['channel-order']}".`);
    }
    const inputSize: InputSizeRequest | undefined =
      values.size === undefined || values.size === 'native' ? undefined : parseSize(values.size, '--size');
    const tta = values.tta ? parseTta(values) : undefined;
    if (!values.tta) {
      const stray = ['tta-scales', 'tta-target-size', 'tta-max-size', 'tta-no-flip', 'tta-merge'].find((k) => values[k as keyof typeof values] !== undefined);
      if (stray) throw new InvalidInputError(`--${stray} goes with --tta.`);
    } else if (values.size !== undefined || values['max-size'] !== undefined) {
      throw new InvalidInputError('--tta sets its own sizes (--tta-scales); leave out --size and --max-size.');
    }
    const options = {
      quality: tta ? ('best' as const) : ('fast' as const),
      tta,
      scoreThreshold: parseNumber(values.score, '--score'),
      iouThreshold: parseNumber(values.iou, '--iou'),
      maxFaces: parseNumber(values['max-faces'], '--max-faces'),
      inputSize,
      maxInputSize: values['max-size'] ? parseSize(values['max-size'], '--max-size') : undefined,
      mirror: values.mirror ?? false,
    };
    const landmarkStd = parseNumber(values['landmark-std'], '--landmark-std');
    const evaluation = { protocol: values.protocol, allImages: values['all-images'], json: values.json, plot: values.plot };
    const evaluationOptions = Object.entries(evaluation).filter(([, v]) => v !== undefined);
    if (!values.eval && evaluationOptions.length > 0) throw new InvalidInputError(`--protocol, --all-images, --json and --plot go with --eval <ground truth>.`);
    if (values.eval) checkEvaluationRequest(evaluation);
    // Read the ground truth before the model runs: a wrong path should not cost a whole detection run.
    const groundTruth = values.eval ? await readGroundTruth(values.eval) : undefined;
    await loadSharp(); // before the model loads: without sharp no image can be read

    const detector = await NodeDetector.create({
      model: values.model,
      threads: parseNumber(values.threads, '--threads'),
      descriptor: {
        ...(channelOrder ? { channelOrder: channelOrder as ChannelOrder } : {}),
        ...(landmarkStd !== undefined ? { landmarkStd } : {}),
      },
    });
    if (values.size === 'native' && detector.descriptor.inputSize) {
      const { width, height } = detector.descriptor.inputSize;
      console.error(`note: the model has a fixed ${width}x${height} input; images are letterboxed into it.`);
    }

    const results: JsonResult[] = [];
    let failures = 0;
    try {
      for (const file of await listImages(positionals)) {
        try {
          const r = await detector.detectFile(file, options);
          if (format === 'json' || groundTruth) results.push({ file, width: r.width, height: r.height, faces: r.faces });
          if (format === 'wider') {
            const name = basename(file, extname(file));
            const dir = join(values.out!, basename(dirname(file)));
            await mkdir(dir, { recursive: true });
            await writeFile(join(dir, `${name}.txt`), widerPrediction(name, r.faces));
          }
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          failures++;
          console.error(`error: ${error.message}`);
        }
      }
    } finally {
      await detector.release();
    }
    if (failures > 0) console.error(`${failures} file(s) could not be processed.`);
    if (groundTruth) {
      const code = await runEvaluation(predictionsFromDetectResults(results), groundTruth, evaluation);
      return failures > 0 ? 1 : code;
    }
    if (format === 'json') process.stdout.write(`${JSON.stringify(results)}\n`);
    return failures > 0 ? 1 : 0;
  },
};
