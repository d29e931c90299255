/**
 * Reads the evaluation's inputs from files for src/eval: the ground truth (the official MAT-files or a gt.json)
 * and predictions (the CLI's JSON or a folder of WIDER txt files).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { InvalidInputError } from '../core/index.ts';
import {
  groundTruthFromJson,
  groundTruthFromMat,
  parseWiderPredictionFile,
  predictionsFromDetectResults,
  readMatFile,
  WIDER_SETTINGS,
  type GroundTruth,
  type ImagePredictions,
  type MatVariables,
  type WiderSetting,
  GROUND_TRUTH_MAT_VARIABLES,
} from '../eval/index.ts';

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new InvalidInputError(`Cannot read ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}

function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new InvalidInputError(`${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
}

const MAT_FILES = { face: 'wider_face_val.mat', easy: 'wider_easy_val.mat', medium: 'wider_medium_val.mat', hard: 'wider_hard_val.mat' } as const;

async function readMat(path: string, only: readonly string[]): Promise<MatVariables> {
  const bytes = await read(path, 'the ground truth');
  return readMatFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { name: path, inflate: inflateSync, only });
}

/**
 * The ground truth at `path`: a folder holding the official `wider_face_val.mat` and
 * `wider_{easy,medium,hard}_val.mat` (or one of those files: the others are taken from its folder), or a
 * `.json` file of the gt.json schema (a folder holding only `gt.json` works too).
 */
export async function readGroundTruth(path: string): Promise<GroundTruth> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new InvalidInputError(`Ground truth not found: ${path}`);
  let dir = path;
  if (!info.isDirectory()) {
    if (path.toLowerCase().endsWith('.json')) return groundTruthFromJson(parseJson(await read(path, 'the ground truth'), path), path);
    if (!path.toLowerCase().endsWith('.mat')) throw new InvalidInputError(`Ground truth ${path} is neither a .json nor a .mat file.`);
    dir = dirname(path);
  }
  const has = async (name: string) => (await stat(join(dir, name)).catch(() => null))?.isFile() ?? false;
  if (!(await has(MAT_FILES.face)) && (await has('gt.json'))) return readGroundTruth(join(dir, 'gt.json'));
  const missing = [];
  for (const name of Object.values(MAT_FILES)) if (!(await has(name))) missing.push(name);
  if (missing.length > 0) {
    throw new InvalidInputError(`Ground truth folder ${dir} lacks ${missing.join(', ')} (it needs the four official .mat files, or a gt.json).`);
  }
  const face = await readMat(join(dir, MAT_FILES.face), GROUND_TRUTH_MAT_VARIABLES.face);
  const settings = {} as Record<WiderSetting, MatVariables>;
  for (const s of WIDER_SETTINGS) settings[s] = await readMat(join(dir, MAT_FILES[s]), GROUND_TRUTH_MAT_VARIABLES.setting);
  return groundTruthFromMat(face, settings, join(dir, MAT_FILES.face));
}

/** The WIDER txt files of `dir`: `<dir>/<event>/<image>.txt` (other files and deeper folders are not read). */
export async function readWiderPredictionFolder(dir: string): Promise<ImagePredictions[]> {
  const predictions: ImagePredictions[] = [];
  const events = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  for (const event of events) {
    const files = (await readdir(join(dir, event), { withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.txt')).map((e) => e.name).sort();
    for (const file of files) {
      const path = join(dir, event, file);
      predictions.push(parseWiderPredictionFile((await read(path, 'the prediction file')).toString('utf8'), event, path));
    }
  }
  if (predictions.length === 0) throw new InvalidInputError(`${dir} holds no WIDER prediction files (<dir>/<event>/<image>.txt).`);
  return predictions;
}

/** Predictions at `path`: the JSON of `retinaface-web detect` (a file; `-` reads stdin) or a folder of WIDER txt files. */
export async function readPredictions(path: string): Promise<ImagePredictions[]> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return predictionsFromDetectResults(parseJson(Buffer.concat(chunks), 'stdin'), 'stdin');
  }
  const info = await stat(path).catch(() => null);
  if (!info) throw new InvalidInputError(`Predictions not found: ${path}`);
  if (info.isDirectory()) return readWiderPredictionFolder(path);
  return predictionsFromDetectResults(parseJson(await read(path, 'the predictions'), path), basename(path));
}
