import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidInputError } from '../../core/index.ts';
import {
  evaluateOmz,
  evaluateWider,
  prCurveSvg,
  WIDER_SETTINGS,
  type GroundTruth,
  type ImagePredictions,
} from '../../eval/index.ts';
import { readGroundTruth, readPredictions } from '../eval-files.ts';
import type { Command } from './command.ts';

const HELP = `Usage: retinaface-web eval --gt <ground truth> [options] <predictions>

Evaluates face detections on WIDER FACE: by default the official protocol (easy / medium / hard AP of the
official eval_tools), with --protocol omz the model card's rule (OpenVINO's accuracy checker: one AP over the
faces at least 64 px high).

  <predictions>         the JSON of retinaface-web detect (a file, or - for stdin), or a folder of WIDER
                        prediction files (<dir>/<event>/<image>.txt, as detect --format wider writes)

Options:
  --gt <path>           the ground truth: a folder with the official wider_face_val.mat and
                        wider_{easy,medium,hard}_val.mat, or a gt.json (required)
  --protocol wider|omz  wider (default): the official WIDER FACE evaluation; omz: the accuracy checker's AP
  --all-images          evaluate every ground-truth image, counting the faces of images without predictions as
                        missed (default: only the images that have predictions)
  --json                print the result as JSON
  --plot <file.svg>     write the precision/recall curves as an SVG picture
  -h, --help            show this help`;

/** The evaluation options shared by `eval` and `detect --eval`. */
export const EVALUATION_OPTIONS = {
  protocol: { type: 'string' },
  'all-images': { type: 'boolean' },
  json: { type: 'boolean' },
  plot: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export interface EvaluationRequest {
  protocol?: string;
  allImages?: boolean;
  json?: boolean;
  plot?: string;
}

/** `parseArgs`, with its errors (unknown option, missing value) as typed errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (cause) {
    throw new InvalidInputError((cause as Error).message, { cause });
  }
}

/** Checks the request before any work is done (detect --eval runs a model first). */
export function checkEvaluationRequest(request: EvaluationRequest): 'wider' | 'omz' {
  const protocol = request.protocol ?? 'wider';
  if (protocol !== 'wider' && protocol !== 'omz') throw new InvalidInputError(`--protocol takes wider or omz; got "${protocol}".`);
  if (request.plot !== undefined && !request.plot.toLowerCase().endsWith('.svg')) throw new InvalidInputError(`--plot takes a file name ending in .svg; got "${request.plot}".`);
  return protocol;
}

const percent = (v: number) => (Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(2)} %`);
const fixed = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(4));

/** Evaluates, prints the table (or JSON) on stdout and notes on stderr, writes the plot. Returns the exit code. */
export async function runEvaluation(predictions: ImagePredictions[], groundTruth: GroundTruth, request: EvaluationRequest): Promise<number> {
  const protocol = checkEvaluationRequest(request);
  const images = request.allImages ? 'all' : 'predicted';
  const result = protocol === 'wider' ? evaluateWider(predictions, groundTruth, { images }) : evaluateOmz(predictions, groundTruth, { images });
  const { evaluated, groundTruth: total, notInGroundTruth } = result.images;
  if (evaluated === 0) {
    throw new InvalidInputError(
      `None of the ${predictions.length} predicted images is in the ground truth (images are matched by <event folder>/<name>, e.g. 0--Parade/0_Parade_marchingband_1_465).`,
    );
  }
  if (images === 'predicted' && evaluated < total) {
    console.error(`note: evaluated on the ${evaluated} of ${total} ground-truth images that have predictions (--all-images counts the faces of the others as missed).`);
  }
  if (notInGroundTruth.length > 0) {
    const names = notInGroundTruth.slice(0, 3).join(', ') + (notInGroundTruth.length > 3 ? ', …' : '');
    console.error(`note: ${notInGroundTruth.length} predicted image(s) are not in the ground truth and were not evaluated: ${names}.`);
  }
  const scope = `${evaluated} of ${total} images`;

  if ('easy' in result) {
    if (request.json) {
      const { easy, medium, hard, faces } = result;
      console.log(JSON.stringify({ protocol, easy, medium, hard, faces, images: result.images }, null, 2));
    } else {
      const rows = WIDER_SETTINGS.map((s) => `${s.padEnd(8)}${fixed(result[s]).padStart(8)}${String(result.faces[s]).padStart(8)}`);
      console.log([`WIDER FACE, official protocol (${scope})`, `setting       AP   faces`, ...rows].join('\n'));
    }
    if (request.plot) {
      const series = WIDER_SETTINGS.map((s) => ({ label: `${s}  AP ${fixed(result[s])}`, ...result.curves[s] }));
      await writeFile(request.plot, prCurveSvg(series, { title: `WIDER FACE (${scope})` }));
    }
  } else {
    if (request.json) {
      const { ap, faces, ignoredFaces, truePositives, falsePositives } = result;
      console.log(JSON.stringify({ protocol, ap, faces, ignoredFaces, truePositives, falsePositives, images: result.images }, null, 2));
    } else {
      console.log(
        [
          `OpenVINO accuracy checker rule, faces at least 64 px high (${scope})`,
          `AP ${percent(result.ap)}   faces ${result.faces} (${result.ignoredFaces} ignored)   true positives ${result.truePositives}, false positives ${result.falsePositives}`,
        ].join('\n'),
      );
    }
    if (request.plot) {
      await writeFile(request.plot, prCurveSvg([{ label: `AP ${percent(result.ap)}`, ...result.curve }], { title: `Faces at least 64 px high (${scope})` }));
    }
  }
  return 0;
}

export const evalCommand: Command = {
  summary: 'evaluate detections on WIDER FACE: the official easy/medium/hard AP, or the model card\'s rule',
  async run(args) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { gt: { type: 'string' }, ...EVALUATION_OPTIONS, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) {
      console.error(HELP);
      return 2;
    }
    if (!values.gt) throw new InvalidInputError('eval needs --gt <ground truth> (the folder of the official .mat files, or a gt.json).');
    const request = { protocol: values.protocol, allImages: values['all-images'], json: values.json, plot: values.plot };
    checkEvaluationRequest(request);
    const [predictions, groundTruth] = await Promise.all([readPredictions(positionals[0]), readGroundTruth(values.gt)]);
    return runEvaluation(predictions, groundTruth, request);
  },
};
