import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/index.ts';
import { groundTruthFromJson, groundTruthFromMat, readMatFile, WIDER_SETTINGS, type MatValue } from '../../../src/eval/index.ts';
import { readGroundTruth } from '../../../src/node/eval-files.ts';
import { SHARED } from '../../support/paths.ts';

const WIDER_120 = join(SHARED, 'testdata/wider-val-120');

// ---- A tiny MAT v5 writer for the synthetic cases (MAT-File Format, Level 5) -------------------------------
type Endian = 'LE' | 'BE';
const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, MATRIX: 14, COMPRESSED: 15, UTF8: 16 };

function u32(v: number, e: Endian): Buffer {
  const b = Buffer.alloc(4);
  if (e === 'LE') b.writeUInt32LE(v);
  else b.writeUInt32BE(v);
  return b;
}
/** A data element, padded to 8 bytes; `small` uses the 4-byte compressed tag form when the data fits. */
function element(type: number, data: Buffer, e: Endian, small = false): Buffer {
  if (small && data.length <= 4) {
    const tag = e === 'LE' ? Buffer.from([type & 0xff, type >> 8, data.length, 0]) : Buffer.from([0, data.length, type >> 8, type & 0xff]);
    return Buffer.concat([tag, data, Buffer.alloc(4 - data.length)]);
  }
  return Buffer.concat([u32(type, e), u32(data.length, e), data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
}
function typed(values: number[], type: number, e: Endian): Buffer {
  const size = { [MI.INT8]: 1, [MI.UINT8]: 1, [MI.INT16]: 2, [MI.UINT16]: 2, [MI.INT32]: 4, [MI.UINT32]: 4, [MI.SINGLE]: 4, [MI.DOUBLE]: 8 }[type]!;
  const b = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    const at = i * size;
    const le = e === 'LE';
    switch (type) {
      case MI.INT8: b.writeInt8(v, at); break;
      case MI.UINT8: b.writeUInt8(v, at); break;
      case MI.INT16: le ? b.writeInt16LE(v, at) : b.writeInt16BE(v, at); break;
      case MI.UINT16: le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at); break;
      case MI.INT32: le ? b.writeInt32LE(v, at) : b.writeInt32BE(v, at); break;
      case MI.UINT32: le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at); break;
      case MI.SINGLE: le ? b.writeFloatLE(v, at) : b.writeFloatBE(v, at); break;
      case MI.DOUBLE: le ? b.writeDoubleLE(v, at) : b.writeDoubleBE(v, at); break;
    }
  });
  return b;
}
interface MatrixSpec {
  cls: number; // 1 cell, 2 struct, 4 char, 6 double, 9 uint8, 12 int32
  dims: number[];
  name?: string;
  flags?: number;
  /** Numeric data: values and their storage type. */
  values?: number[];
  storage?: number;
  text?: string;
  cells?: (MatrixSpec | 'empty')[];
}
function matrix(spec: MatrixSpec, e: Endian): Buffer {
  const parts = [
    element(MI.UINT32, typed([spec.cls | (spec.flags ?? 0), 0], MI.UINT32, e), e),
    element(MI.INT32, typed(spec.dims, MI.INT32, e), e),
    element(MI.INT8, Buffer.from(spec.name ?? '', 'latin1'), e, true),
  ];
  if (spec.cells) for (const c of spec.cells) parts.push(c === 'empty' ? Buffer.concat([u32(MI.MATRIX, e), u32(0, e)]) : matrix(c, e));
  if (spec.text !== undefined) parts.push(element(MI.UINT16, typed([...spec.text].map((c) => c.charCodeAt(0)), MI.UINT16, e), e));
  if (spec.values) parts.push(element(spec.storage ?? MI.DOUBLE, typed(spec.values, spec.storage ?? MI.DOUBLE, e), e, true));
  return element(MI.MATRIX, Buffer.concat(parts), e);
}
function matFile(variables: Buffer[], e: Endian = 'LE', version = 0x0100): Uint8Array {
  const header = Buffer.alloc(128, ' ');
  header.write('MATLAB 5.0 MAT-file, written by the retinaface-web tests', 0, 'latin1');
  header.fill(0, 116, 124);
  if (e === 'LE') header.writeUInt16LE(version, 124);
  else header.writeUInt16BE(version, 124);
  header.write(e === 'LE' ? 'IM' : 'MI', 126, 'latin1');
  return new Uint8Array(Buffer.concat([header, ...variables]));
}
const compressed = (m: Buffer, e: Endian = 'LE') => Buffer.concat([u32(MI.COMPRESSED, e), u32(deflateSync(m).length, e), deflateSync(m)]);

const numbers = (v: MatValue | undefined) => (v?.kind === 'numeric' ? [...v.data] : v);

describe('readMatFile on hand-made files', () => {
  const spec: MatrixSpec[] = [
    // 2x3 int32 stored as uint8 (MATLAB stores in the smallest type that holds the values), column-major.
    { cls: 12, dims: [2, 3], name: 'boxes', values: [1, 2, 3, 4, 5, 250], storage: MI.UINT8 },
    { cls: 6, dims: [1, 2], name: 'd', values: [0.5, -1.25e300] },
    { cls: 4, dims: [1, 9], name: 'event', text: '0--Parade' },
    // A cell holding a char, an empty matrix (a 0-byte miMATRIX) and a nested cell with a 1x1 small element.
    { cls: 1, dims: [3, 1], name: 'list', cells: [{ cls: 4, dims: [1, 2], text: 'ab' }, 'empty', { cls: 1, dims: [1, 1], cells: [{ cls: 9, dims: [1, 1], values: [7], storage: MI.UINT8 }] }] },
  ];

  for (const endian of ['LE', 'BE'] as const) {
    it(`reads numeric (any storage type), char, cell, empty and small elements, ${endian === 'LE' ? 'little' : 'big'}-endian`, async () => {
      const v = await readMatFile(matFile(spec.map((s) => matrix(s, endian)), endian));
      expect([...v.keys()]).toEqual(['boxes', 'd', 'event', 'list']);
      expect(v.get('boxes')).toMatchObject({ kind: 'numeric', class: 'int32', dims: [2, 3], logical: false });
      expect(numbers(v.get('boxes'))).toEqual([1, 2, 3, 4, 5, 250]);
      expect(numbers(v.get('d'))).toEqual([0.5, -1.25e300]);
      expect(v.get('event')).toEqual({ kind: 'char', dims: [1, 9], text: '0--Parade' });
      const list = v.get('list');
      expect(list?.kind === 'cell' && list.cells.map((c) => c.kind)).toEqual(['char', 'numeric', 'cell']);
      if (list?.kind !== 'cell') return;
      expect(list.cells[0]).toMatchObject({ text: 'ab' });
      expect(list.cells[1]).toMatchObject({ kind: 'numeric', dims: [0, 0] });
      const nested = list.cells[2];
      expect(nested.kind === 'cell' && numbers(nested.cells[0])).toEqual([7]);
    });
  }

  it('reads miCOMPRESSED variables, with the DecompressionStream or an injected inflate', async () => {
    const bytes = matFile([compressed(matrix(spec[0], 'LE')), matrix(spec[2], 'LE')]);
    for (const options of [{}, { inflate: inflateSync }]) {
      const v = await readMatFile(bytes, options);
      expect(numbers(v.get('boxes'))).toEqual([1, 2, 3, 4, 5, 250]);
      expect(v.get('event')).toMatchObject({ text: '0--Parade' });
    }
  });

  it('refuses what it cannot read with an InvalidInputError naming the file and the problem', async () => {
    const refuse = (bytes: Uint8Array) => readMatFile(bytes, { name: 'x.mat' });
    await expect(refuse(new Uint8Array(10))).rejects.toThrow('x.mat is not a MAT-file: only 10 bytes');
    await expect(refuse(new Uint8Array(Buffer.from('{"images": []}'.padEnd(200))))).rejects.toThrow(/x\.mat is not a MATLAB Level 5 MAT-file/);
    await expect(refuse(matFile([], 'LE', 0x0200))).rejects.toThrow(/version 0x200.*v7\.3 files are HDF5/);
    await expect(refuse(matFile([matrix({ cls: 2, dims: [1, 1], name: 's', values: [] }, 'LE')]))).rejects.toThrow('"s" is a struct array, which is not supported');
    await expect(refuse(matFile([matrix({ cls: 6, dims: [1, 1], name: 'z', flags: 0x0800, values: [1] }, 'LE')]))).rejects.toThrow('"z" is complex');
    const whole = matFile([matrix(spec[0], 'LE')]);
    await expect(refuse(whole.subarray(0, whole.length - 8))).rejects.toThrow(/runs past its end/);
    const bad = Buffer.concat([u32(MI.COMPRESSED, 'LE'), u32(4, 'LE'), Buffer.from([1, 2, 3, 4])]);
    await expect(refuse(matFile([bad]))).rejects.toThrow(/x\.mat: a compressed variable cannot be inflated/);
    await expect(refuse(matFile([bad]))).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('the official WIDER FACE ground truth (../shared/testdata/wider-val-120/*.mat)', () => {
  const mat = (f: string) => readMatFile(new Uint8Array(readFileSync(join(WIDER_120, f))), { name: f, inflate: inflateSync });

  it('wider_face_val.mat: 61 events, 3,226 images, 39,708 faces; gt_list sizes 7,211 / 13,319 / 31,958 (spec §4.1)', async () => {
    const face = await mat('wider_face_val.mat');
    expect([...face.keys()].sort()).toEqual([
      'blur_label_list', 'event_list', 'expression_label_list', 'face_bbx_list', 'file_list', 'illumination_label_list',
      'invalid_label_list', 'occlusion_label_list', 'pose_label_list',
    ]);
    const events = face.get('event_list');
    expect(events?.kind === 'cell' && events.dims).toEqual([61, 1]);
    const gt = groundTruthFromMat(face, { easy: await mat('wider_easy_val.mat'), medium: await mat('wider_medium_val.mat'), hard: await mat('wider_hard_val.mat') });
    expect(gt.images).toHaveLength(3226);
    expect(new Set(gt.images.map((i) => i.event)).size).toBe(61);
    expect(gt.images[0]).toMatchObject({ event: '0--Parade', name: '0_Parade_marchingband_1_465' });
    expect([...gt.images[0].boxes.subarray(0, 8)]).toEqual([345, 211, 4, 4, 331, 126, 3, 3]);
    expect(gt.images.reduce((n, i) => n + i.boxes.length / 4, 0)).toBe(39708);
    const sizes = WIDER_SETTINGS.map((s) => gt.images.reduce((n, i) => n + i.keep[s].length, 0));
    expect(sizes).toEqual([7211, 13319, 31958]);
    // Nested: every easy face is medium, every medium face hard; no face of any setting is invalid.
    for (const image of gt.images) {
      const medium = new Set(image.keep.medium);
      const hard = new Set(image.keep.hard);
      expect([...image.keep.easy].every((k) => medium.has(k)) && [...image.keep.medium].every((k) => hard.has(k))).toBe(true);
      expect([...image.keep.hard].every((k) => image.invalid[k] === 0)).toBe(true);
    }
  });

  it('equals wider-val-gt.json image by image (boxes, invalid flags, easy/medium/hard) and the subset txt of the 120 images', async () => {
    const fromMat = await readGroundTruth(WIDER_120);
    const fromJson = groundTruthFromJson(JSON.parse(readFileSync(join(SHARED, 'testdata/wider-val-gt.json'), 'utf8')));
    const byKey = new Map(fromJson.images.map((i) => [`${i.event}/${i.name}`, i]));
    expect(byKey.size).toBe(3226);
    for (const image of fromMat.images) {
      const j = byKey.get(`${image.event}/${image.name}`)!;
      expect(j, `${image.event}/${image.name}`).toBeDefined();
      expect(image.boxes).toEqual(j.boxes);
      expect(image.invalid).toEqual(j.invalid);
      for (const s of WIDER_SETTINGS) expect([...image.keep[s]].sort((a, b) => a - b)).toEqual([...j.keep[s]]);
    }
    // The official txt (what OpenVINO's converter reads) has the same boxes for the 120 images.
    const lines = readFileSync(join(WIDER_120, 'wider_face_val_bbx_gt_subset.txt'), 'utf8').split('\n');
    let images = 0;
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].endsWith('.jpg')) continue;
      const [event, file] = lines[i].split('/');
      const count = Number(lines[i + 1]);
      const boxes = lines.slice(i + 2, i + 2 + count).flatMap((l) => l.trim().split(' ').slice(0, 4).map(Number));
      expect(byKey.get(`${event}/${file.replace(/\.jpg$/, '')}`)!.boxes).toEqual(Float64Array.from(boxes));
      images++;
    }
    expect(images).toBe(120);
  });
});
