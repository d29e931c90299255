/**
 * A small in-memory form of an ONNX model: what the converter builds and edits, what the writer serializes and
 * what the reader returns. Only dense tensors embedded in the file are supported.
 */

/** `TensorProto.DataType` numbers used here. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

const DATA_TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

export const dataTypeName = (t: number): string => DATA_TYPE_NAMES[t] ?? `type ${t}`;

export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  /** Values of a FLOAT tensor. */
  floats?: Float32Array;
  /** Values of an integer tensor (shape and index constants), as numbers. */
  ints?: number[];
  /** The stored little-endian bytes, for tensors read from a file whose values were not decoded. */
  raw?: Uint8Array;
}

export type OnnxAttribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'strings'; value: string[] }
  | { name: string; type: 'tensor'; value: OnnxTensor }
  /** Graph-valued and other attributes the reader keeps but does not interpret. */
  | { name: string; type: 'other'; value: null };

export interface OnnxNode {
  opType: string;
  name: string;
  /** Empty (the default ONNX domain) unless set. */
  domain?: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: element type and dims (numbers when fixed, names when symbolic, null unknown). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** Opset of the default domain. */
  opset: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  /** `metadata_props`, in order. */
  metadata: Record<string, string>;
}

export const elementCount = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

// ---- attributes ----

export const intAttr = (name: string, value: number): OnnxAttribute => ({ name, type: 'int', value });
export const intsAttr = (name: string, value: number[]): OnnxAttribute => ({ name, type: 'ints', value });
export const floatAttr = (name: string, value: number): OnnxAttribute => ({ name, type: 'float', value });
export const stringAttr = (name: string, value: string): OnnxAttribute => ({ name, type: 'string', value });

function findAttr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

export function getInt(node: OnnxNode, name: string, fallback: number): number {
  const a = findAttr(node, name);
  return a?.type === 'int' ? a.value : fallback;
}

export function getFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = findAttr(node, name);
  return a?.type === 'float' ? a.value : fallback;
}

export function getString(node: OnnxNode, name: string, fallback: string): string {
  const a = findAttr(node, name);
  return a?.type === 'string' ? a.value : fallback;
}

export function getInts(node: OnnxNode, name: string): number[] | undefined {
  const a = findAttr(node, name);
  return a?.type === 'ints' ? a.value : undefined;
}

export function getTensorAttr(node: OnnxNode, name: string): OnnxTensor | undefined {
  const a = findAttr(node, name);
  return a?.type === 'tensor' ? a.value : undefined;
}

// ---- tensors ----

export function floatTensor(name: string, dims: number[], values: Float32Array): OnnxTensor {
  if (values.length !== elementCount(dims)) {
    throw new Error(`Tensor ${name}: ${values.length} values for dims [${dims.join(',')}].`);
  }
  return { name, dataType: DataType.FLOAT, dims, floats: values };
}

export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): OnnxTensor {
  return { name, dataType: DataType.INT64, dims, ints: values };
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The float32 values of a FLOAT tensor (decoded from its stored bytes if needed). */
export function tensorFloats(t: OnnxTensor): Float32Array {
  if (t.floats) return t.floats;
  if (t.dataType !== DataType.FLOAT || !t.raw) throw new Error(`Tensor ${t.name} holds no float32 values.`);
  const n = t.raw.byteLength / 4;
  if (littleEndian && t.raw.byteOffset % 4 === 0) return new Float32Array(t.raw.buffer, t.raw.byteOffset, n);
  const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** The values of an integer tensor as numbers (int64 beyond 2^53 lose precision; shape constants never are). */
export function tensorInts(t: OnnxTensor): number[] {
  if (t.ints) return t.ints;
  if (!t.raw) throw new Error(`Tensor ${t.name} holds no integer values.`);
  const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  const size = t.dataType === DataType.INT64 ? 8 : t.dataType === DataType.INT32 ? 4 : 0;
  if (size === 0) throw new Error(`Tensor ${t.name} is ${dataTypeName(t.dataType)}, not an integer tensor.`);
  const out: number[] = [];
  for (let o = 0; o + size <= t.raw.byteLength; o += size) {
    out.push(size === 8 ? Number(view.getBigInt64(o, true)) : view.getInt32(o, true));
  }
  return out;
}

/** Little-endian bytes of a tensor's values, as ONNX `raw_data` stores them. */
export function tensorBytes(t: OnnxTensor): Uint8Array {
  if (t.floats) {
    if (littleEndian) return new Uint8Array(t.floats.buffer, t.floats.byteOffset, t.floats.byteLength);
    const out = new Uint8Array(t.floats.length * 4);
    const view = new DataView(out.buffer);
    t.floats.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return out;
  }
  if (t.ints) {
    const size = t.dataType === DataType.INT64 ? 8 : t.dataType === DataType.INT32 ? 4 : 0;
    if (size === 0) throw new Error(`Tensor ${t.name}: integer values for a ${dataTypeName(t.dataType)} tensor.`);
    const out = new Uint8Array(t.ints.length * size);
    const view = new DataView(out.buffer);
    t.ints.forEach((v, i) => (size === 8 ? view.setBigInt64(8 * i, BigInt(v), true) : view.setInt32(4 * i, v, true)));
    return out;
  }
  return t.raw ?? new Uint8Array(0);
}

// ---- graph queries ----

/** The nodes that read `tensor`, with the input position. */
export function consumersOf(graph: OnnxGraph, tensor: string): { node: OnnxNode; index: number }[] {
  const out: { node: OnnxNode; index: number }[] = [];
  for (const node of graph.nodes) {
    node.inputs.forEach((name, index) => {
      if (name === tensor) out.push({ node, index });
    });
  }
  return out;
}

export function producerOf(graph: OnnxGraph, tensor: string): OnnxNode | undefined {
  return graph.nodes.find((n) => n.outputs.includes(tensor));
}

export function initializerMap(graph: OnnxGraph): Map<string, OnnxTensor> {
  return new Map(graph.initializers.map((t) => [t.name, t]));
}

export const isGraphOutput = (graph: OnnxGraph, tensor: string): boolean => graph.outputs.some((o) => o.name === tensor);
