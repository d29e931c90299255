/**
 * Predictions to evaluate: the model, and loaders from the CLI's JSON (`detect` output, or the same objects in
 * memory) and from one file of the official WIDER FACE prediction format.
 */
import { InvalidInputError } from '../core/index.ts';
import { eventAndName } from './wider-ground-truth.ts';

export interface ImagePredictions {
  /** Event folder, e.g. `0--Parade` (the prediction's parent folder). */
  event: string;
  /** Image name without extension. */
  name: string;
  /** x, y, w, h per face (top-left and size, pixels), 4 numbers per face. */
  boxes: Float64Array;
  /** One score per face. */
  scores: Float64Array;
}

/** One image of the CLI's JSON: `{file, width, height, faces: [{box: {x, y, width, height}, score, landmarks}]}`. */
export interface DetectResultLike {
  file: string;
  faces: readonly { box: { x: number; y: number; width: number; height: number }; score: number }[];
}

/**
 * The predictions of the CLI's JSON (`retinaface-web detect … > faces.json`, parsed) or of the same objects in
 * memory. An image's event is the name of its folder, its name the file name without extension. Boxes are taken
 * as they are (not truncated to whole pixels as the WIDER txt writer does).
 */
export function predictionsFromDetectResults(results: unknown, source = 'the predictions'): ImagePredictions[] {
  if (!Array.isArray(results)) throw new InvalidInputError(`${source}: expected a JSON array of images (the output of retinaface-web detect).`);
  return results.map((r: DetectResultLike, i) => {
    if (typeof r?.file !== 'string' || !Array.isArray(r.faces)) {
      throw new InvalidInputError(`${source}: entry ${i} needs "file" (text) and "faces" (array), as retinaface-web detect writes.`);
    }
    const boxes = new Float64Array(r.faces.length * 4);
    const scores = new Float64Array(r.faces.length);
    r.faces.forEach((f, k) => {
      const values = [f?.box?.x, f?.box?.y, f?.box?.width, f?.box?.height, f?.score];
      if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new InvalidInputError(`${source}: ${r.file}, face ${k} needs numbers box.x, box.y, box.width, box.height and score.`);
      }
      boxes.set(values.slice(0, 4) as number[], k * 4);
      scores[k] = values[4] as number;
    });
    return { ...eventAndName(r.file), boxes, scores };
  });
}

// A decimal number as python's float() reads the official files (no inf/nan: they make no sense here).
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * One file of the official prediction format (`<dir>/<event>/<image>.txt`): line 1 the image name, line 2 the
 * count, then `x y w h score` per face. Read as the official python port reads it (`read_pred_file`,
 * `get_preds`): the image is named by line 1 — its part after the last `/`, then python's `rstrip('.jpg')`,
 * which strips any trailing '.', 'j', 'p', 'g' characters — not by the file name; the count line is not read;
 * a line whose first space-separated field is empty (an empty line, or one starting with a space) is skipped;
 * fields after the fifth are ignored.
 */
export function parseWiderPredictionFile(text: string, event: string, source = 'the prediction file'): ImagePredictions {
  const lines = text.split('\n');
  if (lines[0].trim() === '') throw new InvalidInputError(`${source}: its first line must name the image.`);
  const name = lines[0].replace(/\r$/, '').split('/').at(-1)!.replace(/[.jpg]+$/, '');
  const values: number[] = [];
  for (let i = 2; i < lines.length; i++) {
    const fields = lines[i].replace(/\r$/, '').split(' ');
    if (fields[0] === '') continue;
    if (fields.length < 5) throw new InvalidInputError(`${source}, line ${i + 1}: expected "x y w h score", got "${lines[i]}".`);
    for (let k = 0; k < 5; k++) {
      if (!NUMBER.test(fields[k])) throw new InvalidInputError(`${source}, line ${i + 1}: "${fields[k]}" is not a number.`);
      values.push(Number(fields[k]));
    }
  }
  const count = values.length / 5;
  const boxes = new Float64Array(count * 4);
  const scores = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    boxes.set(values.slice(k * 5, k * 5 + 4), k * 4);
    scores[k] = values[k * 5 + 4];
  }
  return { event, name, boxes, scores };
}
