/**
 * WIDER FACE ground truth: the model the evaluations use, and its two loaders — from the official MAT-files
 * (`wider_face_val.mat` and `wider_{easy,medium,hard}_val.mat`, already parsed by `readMatFile`) and from the
 * project's `gt.json` schema (`../shared/testdata/wider-val-120/gt.json`, `wider-val-gt.json`).
 */
import { InvalidInputError } from '../core/index.ts';
import type { MatValue, MatVariables } from './mat-file.ts';

/** The three official difficulty settings; each face set contains the one before it. */
export const WIDER_SETTINGS = ['easy', 'medium', 'hard'] as const;
export type WiderSetting = (typeof WIDER_SETTINGS)[number];

export interface GroundTruthImage {
  /** Event folder, e.g. `0--Parade`. */
  event: string;
  /** Image name without extension, e.g. `0_Parade_marchingband_1_465`. */
  name: string;
  /** Face boxes as the official files have them: x, y, w, h (top-left and size, pixels), 4 numbers per face. */
  boxes: Float64Array;
  /**
   * Per setting, the 0-based indices of the faces that belong to it (the official `gt_list`, which is 1-based).
   * Faces of the image outside this list are ignored in that setting.
   */
  keep: Record<WiderSetting, Uint32Array>;
  /** The official `invalid` flag per face (1 = invalid); no face of any setting is invalid. */
  invalid: Uint8Array;
}

export interface GroundTruth {
  /** In the official order (events as in `event_list`, images as in `file_list`). */
  images: GroundTruthImage[];
}

/** `event/name`, the key predictions are matched to ground truth by. */
export const imageKey = (event: string, name: string): string => `${event}/${name}`;

function bad(source: string, message: string): never {
  throw new InvalidInputError(`${source}: ${message}`);
}

function cellsOf(value: MatValue | undefined, source: string, what: string): MatValue[] {
  if (!value || value.kind !== 'cell') bad(source, `"${what}" is missing or not a cell array.`);
  return value.cells;
}

function textOf(value: MatValue, source: string, what: string): string {
  // The WIDER files wrap each name in a 1x1 cell.
  const inner = value.kind === 'cell' && value.cells.length === 1 ? value.cells[0] : value;
  if (inner.kind !== 'char') bad(source, `${what} is not text.`);
  return inner.text;
}

function numbersOf(value: MatValue, source: string, what: string): { rows: number; cols: number; data: Float64Array } {
  const inner = value.kind === 'cell' && value.cells.length === 1 ? value.cells[0] : value;
  if (inner.kind !== 'numeric') bad(source, `${what} is not numeric.`);
  const [rows = 0, cols = 1] = inner.dims;
  return { rows: inner.data.length === 0 ? 0 : rows, cols, data: inner.data };
}

/** The variables `groundTruthFromMat` reads (`readMatFile`'s `only`): of wider_face_val.mat, of each setting's file. */
export const GROUND_TRUTH_MAT_VARIABLES = {
  face: ['event_list', 'file_list', 'face_bbx_list', 'invalid_label_list'],
  setting: ['gt_list'],
} as const;

/**
 * The ground truth of the official MAT-files: `face` is `wider_face_val.mat` (events, files, boxes, invalid flags),
 * `settings` the parsed `wider_easy_val.mat`, `wider_medium_val.mat`, `wider_hard_val.mat` (their `gt_list`).
 */
export function groundTruthFromMat(face: MatVariables, settings: Record<WiderSetting, MatVariables>, source = 'wider_face_val.mat'): GroundTruth {
  const events = cellsOf(face.get('event_list'), source, 'event_list');
  const files = cellsOf(face.get('file_list'), source, 'file_list');
  const boxes = cellsOf(face.get('face_bbx_list'), source, 'face_bbx_list');
  const invalid = face.has('invalid_label_list') ? cellsOf(face.get('invalid_label_list'), source, 'invalid_label_list') : undefined;
  const lists = Object.fromEntries(
    WIDER_SETTINGS.map((s) => [s, cellsOf(settings[s].get('gt_list'), `wider_${s}_val.mat`, 'gt_list')]),
  ) as Record<WiderSetting, MatValue[]>;
  if (files.length !== events.length || boxes.length !== events.length) bad(source, 'event_list, file_list and face_bbx_list differ in length.');

  const images: GroundTruthImage[] = [];
  events.forEach((eventValue, i) => {
    const event = textOf(eventValue, source, `event ${i + 1}`);
    const names = cellsOf(files[i], source, `file_list{${i + 1}}`);
    const eventBoxes = cellsOf(boxes[i], source, `face_bbx_list{${i + 1}}`);
    const eventInvalid = invalid ? cellsOf(invalid[i], source, `invalid_label_list{${i + 1}}`) : undefined;
    const eventLists = Object.fromEntries(
      WIDER_SETTINGS.map((s) => [s, cellsOf(lists[s][i], `wider_${s}_val.mat`, `gt_list{${i + 1}}`)]),
    ) as Record<WiderSetting, MatValue[]>;
    names.forEach((nameValue, j) => {
      const name = textOf(nameValue, source, `file_list{${i + 1}}{${j + 1}}`);
      const where = `${event}/${name}`;
      const b = numbersOf(eventBoxes[j], source, `the boxes of ${where}`);
      if (b.rows > 0 && b.cols !== 4) bad(source, `the boxes of ${where} have ${b.cols} columns, not 4.`);
      const faces = b.rows;
      // Column-major faces x 4 → x, y, w, h per face.
      const xywh = new Float64Array(faces * 4);
      for (let f = 0; f < faces; f++) for (let c = 0; c < 4; c++) xywh[f * 4 + c] = b.data[c * faces + f];
      const flags = new Uint8Array(faces);
      if (eventInvalid) flags.set(numbersOf(eventInvalid[j], source, `the invalid flags of ${where}`).data.subarray(0, faces));
      const keep = {} as Record<WiderSetting, Uint32Array>;
      for (const s of WIDER_SETTINGS) {
        const list = eventLists[s][j];
        const oneBased = list ? numbersOf(list, `wider_${s}_val.mat`, `gt_list of ${where}`).data : new Float64Array(0);
        const indices = new Uint32Array(oneBased.length);
        for (let k = 0; k < oneBased.length; k++) {
          const v = oneBased[k];
          if (!Number.isInteger(v) || v < 1 || v > faces) bad(`wider_${s}_val.mat`, `gt_list of ${where} names face ${v} of ${faces}.`);
          indices[k] = v - 1;
        }
        keep[s] = indices;
      }
      images.push({ event, name, boxes: xywh, keep, invalid: flags });
    });
  });
  return { images };
}

interface JsonFace {
  x: number;
  y: number;
  w: number;
  h: number;
  invalid?: number;
  easy: boolean;
  medium: boolean;
  hard: boolean;
}

/** The event folder and name without extension of a path like `images/0--Parade/0_Parade_Parade_0_246.jpg`. */
export function eventAndName(file: string): { event: string; name: string } {
  const parts = file.split(/[\\/]/);
  const base = parts.at(-1) ?? '';
  const dot = base.lastIndexOf('.');
  return { event: parts.at(-2) ?? '', name: dot > 0 ? base.slice(0, dot) : base };
}

/**
 * The ground truth of a `gt.json` object: `{images: [{file: 'images/<event>/<name>.jpg', faces: [{x, y, w, h,
 * invalid, easy, medium, hard, …}]}]}`, boxes x, y, w, h as in the official files, the easy/medium/hard flags
 * taken from the official `gt_list`s.
 */
export function groundTruthFromJson(json: unknown, source = 'gt.json'): GroundTruth {
  const images = (json as { images?: unknown })?.images;
  if (!Array.isArray(images)) bad(source, 'expected an object with an "images" array (the gt.json schema).');
  return {
    images: images.map((image: { file?: unknown; faces?: unknown }, i) => {
      if (typeof image?.file !== 'string' || !Array.isArray(image.faces)) bad(source, `images[${i}] needs "file" (text) and "faces" (array).`);
      const { event, name } = eventAndName(image.file);
      const faces = image.faces as JsonFace[];
      const boxes = new Float64Array(faces.length * 4);
      const invalid = new Uint8Array(faces.length);
      faces.forEach((f, k) => {
        const values = [f?.x, f?.y, f?.w, f?.h];
        if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) bad(source, `images[${i}].faces[${k}] needs numbers x, y, w, h.`);
        boxes.set(values as number[], k * 4);
        invalid[k] = f.invalid ? 1 : 0;
      });
      const keep = {} as Record<WiderSetting, Uint32Array>;
      for (const s of WIDER_SETTINGS) {
        const indices: number[] = [];
        faces.forEach((f, k) => {
          if (typeof f[s] !== 'boolean') bad(source, `images[${i}].faces[${k}].${s} must be true or false.`);
          if (f[s]) indices.push(k);
        });
        keep[s] = Uint32Array.from(indices);
      }
      return { event, name, boxes, keep, invalid };
    }),
  };
}
