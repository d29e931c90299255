/**
 * A small reader of MATLAB Level 5 MAT-files (the format of the official WIDER FACE ground truth), written from
 * MathWorks' "MAT-File Format" (Level 5): a 128-byte header, then one data element per variable, each either a
 * miMATRIX or a miCOMPRESSED element holding a zlib stream of one miMATRIX. Reads numeric arrays (every integer
 * class, single, double; real part only), char arrays and cell arrays, in either byte order. Structs, objects,
 * sparse and complex arrays are refused with an error naming them (the WIDER files have none).
 *
 * Pure: no Node APIs. Decompression uses the standard `DecompressionStream('deflate')` (browsers, Node 18+).
 */
import { InvalidInputError } from '../core/index.ts';

/** The numeric classes of MATLAB, named as MATLAB names them. */
export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

/** A numeric (or logical) array: `data` in column-major order, as MATLAB stores it; 64-bit integers as doubles. */
export interface MatNumeric {
  kind: 'numeric';
  class: MatNumericClass;
  logical: boolean;
  dims: number[];
  data: Float64Array;
}

/** A char array. `text` is the characters in column-major order: for a 1xN string, the string itself. */
export interface MatChar {
  kind: 'char';
  dims: number[];
  text: string;
}

/** A cell array: its cells in column-major order. */
export interface MatCell {
  kind: 'cell';
  dims: number[];
  cells: MatValue[];
}

export type MatValue = MatNumeric | MatChar | MatCell;

/** The variables of a MAT-file by name, in file order. */
export type MatVariables = Map<string, MatValue>;

// Data types (MAT-File Format, table 1-1) and array classes (table 1-3).
const MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6, MI_SINGLE = 7, MI_DOUBLE = 9;
const MI_INT64 = 12, MI_UINT64 = 13, MI_MATRIX = 14, MI_COMPRESSED = 15, MI_UTF8 = 16, MI_UTF16 = 17, MI_UTF32 = 18;
const NUMERIC_CLASSES: Record<number, MatNumericClass> = {
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const CLASS_NAMES: Record<number, string> = { 1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse' };
const CELL_CLASS = 1, CHAR_CLASS = 4;
const FLAG_COMPLEX = 0x0800, FLAG_LOGICAL = 0x0200;
const ELEMENT_SIZES: Record<number, number> = {
  [MI_INT8]: 1, [MI_UINT8]: 1, [MI_INT16]: 2, [MI_UINT16]: 2, [MI_INT32]: 4, [MI_UINT32]: 4, [MI_SINGLE]: 4, [MI_DOUBLE]: 8,
  [MI_INT64]: 8, [MI_UINT64]: 8, [MI_UTF8]: 1, [MI_UTF16]: 2, [MI_UTF32]: 4,
};

interface Element {
  type: number;
  /** Where the element's data starts and how many bytes it has, in the reader's view. */
  start: number;
  size: number;
  /** Where the next element starts. */
  next: number;
}

const UTF8 = new TextDecoder('utf-8');
const UTF16LE = new TextDecoder('utf-16le');
const UTF16BE = new TextDecoder('utf-16be');

/** Reads the data elements of one view (the file, or one inflated variable). */
class MatReader {
  constructor(
    private readonly name: string,
    private readonly view: DataView,
    private readonly littleEndian: boolean,
  ) {}

  fail(message: string): never {
    throw new InvalidInputError(`${this.name} is not a MAT-file this reader can read: ${message}`);
  }

  /**
   * The data element at `offset`, which must end by `end`. Small elements keep up to 4 bytes of data in their
   * tag; the others are padded to 8 bytes inside a matrix (`padded`), not at the top level of the file.
   */
  element(offset: number, end: number, padded: boolean): Element {
    if (offset + 8 > end) this.fail(`truncated data element at byte ${offset}`);
    const first = this.view.getUint32(offset, this.littleEndian);
    if (first >>> 16 !== 0) {
      const size = first >>> 16;
      if (size > 4) this.fail(`small data element of ${size} bytes at byte ${offset}`);
      return { type: first & 0xffff, start: offset + 4, size, next: offset + 8 };
    }
    const size = this.view.getUint32(offset + 4, this.littleEndian);
    if (offset + 8 + size > end) this.fail(`data element of ${size} bytes at byte ${offset} runs past its end`);
    const next = offset + 8 + (padded ? Math.ceil(size / 8) * 8 : size);
    return { type: first, start: offset + 8, size, next: Math.min(next, end) };
  }

  /** The numbers of a numeric data element, as doubles. */
  numbers(e: Element, type = e.type): Float64Array {
    const size = ELEMENT_SIZES[type];
    if (!size || type === MI_UTF8 || type === MI_UTF16 || type === MI_UTF32) this.fail(`data type ${type} where numbers belong`);
    const n = Math.floor(e.size / size);
    const out = new Float64Array(n);
    const v = this.view;
    const le = this.littleEndian;
    for (let i = 0, at = e.start; i < n; i++, at += size) {
      switch (type) {
        case MI_INT8: out[i] = v.getInt8(at); break;
        case MI_UINT8: out[i] = v.getUint8(at); break;
        case MI_INT16: out[i] = v.getInt16(at, le); break;
        case MI_UINT16: out[i] = v.getUint16(at, le); break;
        case MI_INT32: out[i] = v.getInt32(at, le); break;
        case MI_UINT32: out[i] = v.getUint32(at, le); break;
        case MI_SINGLE: out[i] = v.getFloat32(at, le); break;
        case MI_DOUBLE: out[i] = v.getFloat64(at, le); break;
        case MI_INT64: out[i] = Number(v.getBigInt64(at, le)); break;
        case MI_UINT64: out[i] = Number(v.getBigUint64(at, le)); break;
      }
    }
    return out;
  }

  text(e: Element): string {
    const bytes = new Uint8Array(this.view.buffer, this.view.byteOffset + e.start, e.size);
    switch (e.type) {
      case MI_UTF8: case MI_INT8: case MI_UINT8:
        return UTF8.decode(bytes);
      case MI_UTF16: case MI_UINT16:
        return (this.littleEndian ? UTF16LE : UTF16BE).decode(bytes);
      case MI_UTF32: case MI_INT32: case MI_UINT32:
        return String.fromCodePoint(...this.numbers(e, MI_UINT32));
      default:
        return this.fail(`data type ${e.type} in a char array`);
    }
  }

  /** The name of the miMATRIX whose sub-elements start at `start` (cheap: the name comes third). */
  matrixName(start: number, end: number): string {
    if (start === end) return '';
    const flags = this.element(start, end, true);
    const dims = this.element(flags.next, end, true);
    const name = this.element(dims.next, end, true);
    return name.size === 0 ? '' : this.text(name);
  }

  /** The contents of a miMATRIX element: its sub-elements from `start` to `end`. */
  matrix(start: number, end: number): { name: string; value: MatValue } {
    // An empty miMATRIX (no bytes) stands for [] inside cells.
    if (start === end) return { name: '', value: { kind: 'numeric', class: 'double', logical: false, dims: [0, 0], data: new Float64Array(0) } };
    const flags = this.element(start, end, true);
    if (flags.type !== MI_UINT32 || flags.size < 8) this.fail(`array flags missing at byte ${start}`);
    const word = this.view.getUint32(flags.start, this.littleEndian);
    const arrayClass = word & 0xff;
    const dimsElement = this.element(flags.next, end, true);
    if (dimsElement.type !== MI_INT32) this.fail(`dimensions missing at byte ${flags.next}`);
    const dims: number[] = [];
    for (let at = dimsElement.start; at + 4 <= dimsElement.start + dimsElement.size; at += 4) dims.push(this.view.getInt32(at, this.littleEndian));
    const nameElement = this.element(dimsElement.next, end, true);
    if (nameElement.type !== MI_INT8 && nameElement.type !== MI_UINT8) this.fail(`array name missing at byte ${dimsElement.next}`);
    const name = nameElement.size === 0 ? '' : this.text(nameElement);
    const count = dims.reduce((a, b) => a * b, 1);
    let offset = nameElement.next;

    if (arrayClass === CELL_CLASS) {
      const cells: MatValue[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const cell = this.element(offset, end, true);
        if (cell.type !== MI_MATRIX) this.fail(`cell ${i} of "${name}" is data type ${cell.type}, not a matrix`);
        cells[i] = this.matrix(cell.start, cell.start + cell.size).value;
        offset = cell.next;
      }
      return { name, value: { kind: 'cell', dims, cells } };
    }
    if (arrayClass === CHAR_CLASS) {
      const text = count === 0 ? '' : this.text(this.element(offset, end, true));
      return { name, value: { kind: 'char', dims, text } };
    }
    const numericClass = NUMERIC_CLASSES[arrayClass];
    if (!numericClass) this.fail(`"${name}" is a ${CLASS_NAMES[arrayClass] ?? `class ${arrayClass}`} array, which is not supported`);
    if (word & FLAG_COMPLEX) this.fail(`"${name}" is complex, which is not supported`);
    const data = count === 0 ? new Float64Array(0) : this.numbers(this.element(offset, end, true));
    if (data.length !== count) this.fail(`"${name}" has ${data.length} values for dimensions ${dims.join('x')}`);
    return { name, value: { kind: 'numeric', class: numericClass, logical: (word & FLAG_LOGICAL) !== 0, dims, data } };
  }

  /** The variable of the miMATRIX element at `offset`, or undefined when `wanted` says no to its name. */
  variable(offset: number, wanted: (name: string) => boolean): { name: string; value: MatValue } | undefined {
    const e = this.element(offset, this.view.byteLength, false);
    if (e.type !== MI_MATRIX) this.fail(`data element of type ${e.type} at byte ${offset}`);
    if (!wanted(this.matrixName(e.start, e.start + e.size))) return undefined;
    return this.matrix(e.start, e.start + e.size);
  }
}

/** Inflates one zlib stream (RFC 1950), as a miCOMPRESSED element holds. */
export type Inflate = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** The standard DecompressionStream; Node callers may pass `zlib.inflateSync`, which is ~30x faster. */
export const inflateWithDecompressionStream: Inflate = async (data) => {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};

export interface ReadMatFileOptions {
  /** The file's name for error messages. Defaults to 'the file'. */
  name?: string;
  /** Decompresses miCOMPRESSED elements. Defaults to the standard DecompressionStream. */
  inflate?: Inflate;
  /** Read only the variables of these names; the others are skipped unparsed. Defaults to all. */
  only?: readonly string[];
}

/**
 * Reads the variables of a Level 5 MAT-file. Throws InvalidInputError for anything that is not a readable
 * Level 5 file (v7.3 HDF5 files included).
 */
export async function readMatFile(bytes: Uint8Array, options: ReadMatFileOptions = {}): Promise<MatVariables> {
  const name = options.name ?? 'the file';
  const inflate = options.inflate ?? inflateWithDecompressionStream;
  const only = options.only ? new Set(options.only) : undefined;
  const wanted = (variable: string) => !only || only.has(variable);
  if (bytes.byteLength < 128) throw new InvalidInputError(`${name} is not a MAT-file: only ${bytes.byteLength} bytes.`);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (!head.startsWith('MATLAB') || (endian !== 'IM' && endian !== 'MI')) {
    throw new InvalidInputError(`${name} is not a MATLAB Level 5 MAT-file (its header starts "${head.slice(0, 20).replace(/[^\x20-\x7e]/g, '.')}").`);
  }
  const littleEndian = endian === 'IM';
  const file = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = file.getUint16(124, littleEndian);
  if (version !== 0x0100) {
    throw new InvalidInputError(`${name} is a MAT-file of version 0x${version.toString(16)}, not Level 5 (0x100); v7.3 files are HDF5: save with -v7.`);
  }
  const reader = new MatReader(name, file, littleEndian);
  const variables: MatVariables = new Map();
  for (let offset = 128; offset < file.byteLength; ) {
    const e = reader.element(offset, file.byteLength, false);
    let variable: { name: string; value: MatValue } | undefined;
    if (e.type === MI_COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = await inflate(bytes.subarray(e.start, e.start + e.size));
      } catch (cause) {
        throw new InvalidInputError(`${name}: a compressed variable cannot be inflated (${(cause as Error).message}).`, { cause });
      }
      variable = new MatReader(name, new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength), littleEndian).variable(0, wanted);
    } else {
      variable = reader.variable(offset, wanted);
    }
    if (variable) variables.set(variable.name, variable.value);
    offset = e.next;
  }
  return variables;
}
