import { ModelLoadError } from '../../core/index.ts';

/**
 * MXNet's `.params` format (`mx.nd.save` / `NDArray::Save`), little-endian:
 *
 *   uint64 0x112 (list magic) · uint64 reserved · uint64 n · n × NDArray · uint64 n · n × (uint64 len, name bytes)
 *
 * One NDArray, by header version:
 * - V2 (`0xF993FAC9`, MXNet ≥ 0.11) and V3 (`0xF993FACA`, numpy shapes, MXNet ≥ 1.6): uint32 magic · int32
 *   storage type (0 = dense) · shape · context · data.
 * - V1 (`0xF993FAC8`): uint32 magic · shape · context · data.
 * - legacy (no magic): uint32 ndim · ndim × uint32 dims · context · data.
 * where shape = uint32 ndim · ndim × int64 dims (ndim 0 is an empty array: nothing follows in V1/V2), context =
 * int32 device type · int32 device id, data = int32 dtype flag · the values.
 * Names are `arg:<name>` (weights) or `aux:<name>` (BatchNorm statistics).
 */

export const NDARRAY_LIST_MAGIC = 0x112;
export const NDARRAY_V1_MAGIC = 0xf993fac8;
export const NDARRAY_V2_MAGIC = 0xf993fac9;
export const NDARRAY_V3_MAGIC = 0xf993faca;

export type NDArrayVersion = 'legacy' | 'v1' | 'v2' | 'v3';

/** MXNet dtype flags (mshadow `TypeFlag`). */
const DTYPES: Record<number, { name: string; size: number }> = {
  0: { name: 'float32', size: 4 },
  1: { name: 'float64', size: 8 },
  2: { name: 'float16', size: 2 },
  3: { name: 'uint8', size: 1 },
  4: { name: 'int32', size: 4 },
  5: { name: 'int8', size: 1 },
  6: { name: 'int64', size: 8 },
  7: { name: 'bool', size: 1 },
  12: { name: 'bfloat16', size: 2 },
};

export interface MxnetArray {
  /** The stored name including its `arg:`/`aux:` prefix. */
  key: string;
  /** `arg` (learned weight), `aux` (running statistic) or `''` when the name has no prefix. */
  kind: 'arg' | 'aux' | '';
  /** The name without prefix, as the symbol calls it. */
  name: string;
  shape: number[];
  dtype: string;
  /** Header version the array was stored with. */
  version: NDArrayVersion;
  /** The values converted to float32 (float16/float32/float64 arrays); undefined for other dtypes. */
  data: Float32Array | undefined;
}

class ParamsReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  fail(what: string): never {
    throw new ModelLoadError(`${this.source} is not a valid MXNet .params file: ${what} (at byte ${this.offset}).`);
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) {
      this.fail(`the file ends inside ${what} (needs ${n} more bytes, ${this.remaining} left; truncated download?)`);
    }
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** A uint64/int64 that must fit a safe JS number. */
  u64(what: string, signed = false): number {
    this.need(8, what);
    const v = signed ? this.view.getBigInt64(this.offset, true) : this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is ${v}, out of range`);
    return Number(v);
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

const MAX_NDIM = 32;

/** The shape, or null for an empty array (ndim 0 before V3, ndim −1 in V3 where ndim 0 is a scalar). */
function readShape(r: ParamsReader, legacyNdim: number | undefined, what: string, numpyShape = false): number[] | null {
  const ndim = legacyNdim ?? r.i32(`${what} shape`);
  if (ndim === -1 || (ndim === 0 && !numpyShape)) return null;
  if (ndim < 0 || ndim > MAX_NDIM) r.fail(`${what} has ${ndim} dimensions`);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) {
    const d = legacyNdim !== undefined ? r.u32(`${what} shape`) : r.u64(`${what} shape`, true);
    if (d < 0) r.fail(`${what} has dimension ${d}`);
    shape.push(d);
  }
  return shape;
}

function toFloat32(raw: Uint8Array, dtype: number, count: number): Float32Array | undefined {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  if (dtype === 0) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === 1) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  } else if (dtype === 2) {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  } else {
    return undefined;
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readArray(r: ParamsReader, index: number): Omit<MxnetArray, 'key' | 'kind' | 'name'> {
  const what = `array #${index}`;
  const magic = r.u32(`${what} header`);
  let version: NDArrayVersion;
  let shape: number[] | null;
  if (magic === NDARRAY_V2_MAGIC || magic === NDARRAY_V3_MAGIC) {
    version = magic === NDARRAY_V2_MAGIC ? 'v2' : 'v3';
    const stype = r.i32(`${what} storage type`);
    if (stype !== 0) r.fail(`${what} uses sparse storage (type ${stype}); only dense arrays are supported`);
    shape = readShape(r, undefined, what, version === 'v3');
  } else if (magic === NDARRAY_V1_MAGIC) {
    version = 'v1';
    shape = readShape(r, undefined, what);
  } else if (magic <= MAX_NDIM) {
    version = 'legacy';
    shape = readShape(r, magic, what);
  } else {
    r.fail(`${what} starts with 0x${magic.toString(16)}, which is no NDArray header (V1 0xf993fac8, V2 0xf993fac9, V3 0xf993faca)`);
  }
  if (!shape) return { shape: [], dtype: 'none', version, data: new Float32Array(0) };
  r.i32(`${what} device type`);
  r.i32(`${what} device id`);
  const flag = r.i32(`${what} dtype`);
  const dtype = DTYPES[flag];
  if (!dtype) r.fail(`${what} has unknown dtype flag ${flag}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const raw = r.take(count * dtype.size, `the values of ${what} (${dtype.name} [${shape.join(',')}])`);
  return { shape, dtype: dtype.name, version, data: toFloat32(raw, flag, count) };
}

/**
 * Reads an MXNet `.params` file. Throws `ModelLoadError` naming what is wrong (bad magic, truncated file,
 * unknown header, sparse storage, names missing, trailing bytes).
 */
export function readMxnetParams(bytes: Uint8Array, source = 'the params file'): MxnetArray[] {
  const r = new ParamsReader(bytes, source);
  if (bytes.length < 24) r.fail(`it is only ${bytes.length} bytes long`);
  const magic = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (magic !== BigInt(NDARRAY_LIST_MAGIC)) {
    const head = new TextDecoder().decode(bytes.subarray(0, 16)).trimStart();
    const hint = head.startsWith('{') ? ' (it looks like JSON: is this the symbol file?)' : head.startsWith('<') ? ' (it looks like an HTML page)' : '';
    r.fail(`the header is 0x${magic.toString(16)}, not the NDArray list magic 0x112${hint}`);
  }
  r.u64('the file header');
  r.u64('the reserved header field');
  const count = r.u64('the array count');
  if (count > r.remaining / 4) r.fail(`it claims ${count} arrays, more than the file can hold`);
  const arrays = [];
  for (let i = 0; i < count; i++) arrays.push(readArray(r, i));
  const nameCount = r.u64('the name count');
  if (nameCount !== count) r.fail(`it holds ${count} arrays but ${nameCount} names`);
  const out: MxnetArray[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.u64(`the length of name #${i}`);
    if (length > r.remaining) r.fail(`name #${i} is ${length} bytes long, past the end of the file`);
    const key = new TextDecoder().decode(r.take(length, `name #${i}`));
    const m = /^(arg|aux):(.*)$/.exec(key);
    out.push({ key, kind: (m?.[1] ?? '') as MxnetArray['kind'], name: m ? m[2] : key, ...arrays[i] });
  }
  if (r.remaining !== 0) r.fail(`${r.remaining} unexpected bytes follow the last name`);
  const seen = new Set<string>();
  for (const a of out) {
    if (seen.has(a.key)) r.fail(`the name ${a.key} occurs twice`);
    seen.add(a.key);
  }
  return out;
}

export interface WritableArray {
  key: string;
  shape: number[];
  data: Float32Array;
}

/** Writes float32 arrays in MXNet's `.params` format with the given NDArray header version (tests, tools). */
export function writeMxnetParams(arrays: readonly WritableArray[], version: NDArrayVersion = 'v2'): Uint8Array {
  const chunks: Uint8Array[] = [];
  const push = (size: number, write: (v: DataView) => void) => {
    const b = new Uint8Array(size);
    write(new DataView(b.buffer));
    chunks.push(b);
  };
  const u64 = (v: number) => push(8, (d) => d.setBigUint64(0, BigInt(v), true));
  const u32 = (v: number) => push(4, (d) => d.setUint32(0, v, true));
  const i32 = (v: number) => push(4, (d) => d.setInt32(0, v, true));
  u64(NDARRAY_LIST_MAGIC);
  u64(0);
  u64(arrays.length);
  for (const a of arrays) {
    if (version === 'legacy') {
      u32(a.shape.length);
      a.shape.forEach(u32);
    } else {
      if (version === 'v1') u32(NDARRAY_V1_MAGIC);
      else {
        u32(version === 'v2' ? NDARRAY_V2_MAGIC : NDARRAY_V3_MAGIC);
        i32(0); // dense
      }
      u32(a.shape.length);
      a.shape.forEach((d) => push(8, (v) => v.setBigInt64(0, BigInt(d), true)));
    }
    i32(1); // cpu
    i32(0);
    i32(0); // float32
    push(a.data.length * 4, (v) => a.data.forEach((x, i) => v.setFloat32(4 * i, x, true)));
  }
  u64(arrays.length);
  for (const a of arrays) {
    const name = new TextEncoder().encode(a.key);
    u64(name.length);
    chunks.push(name);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
