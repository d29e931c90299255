import type { ModelIO, Normalization, TensorInfo } from '../core/index.ts';
import { bytesField, concatBytes, text, textField, varintField, wireFields, type WireField } from './protobuf-fields.ts';

/** The name of the input a model gets from `addRgbaHead`. */
export const RGBA_HEAD_INPUT = 'rgba';

// onnx.proto's field numbers (github.com/onnx/onnx, onnx/onnx.proto) and the values used here.
const MODEL = { graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, ints: 8, type: 20, INTS: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensor: 1, elemType: 1, shape: 2, dim: 1, dimValue: 1, dimParam: 2 } as const;
const DATA = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;

/** What `addRgbaHead` needs to know of the model: its float input and how the packer would fill it. */
export interface RgbaHeadModel extends Normalization {
  inputName: string;
}

export type RgbaHeadResult = { model: Uint8Array; reason?: undefined } | { model?: undefined; reason: string };

function node(opType: string, name: string, inputs: string[], outputs: string[], perm?: number[]): Uint8Array {
  return concatBytes([
    ...inputs.map((i) => bytesField(NODE.input, i)),
    ...outputs.map((o) => bytesField(NODE.output, o)),
    bytesField(NODE.name, name),
    bytesField(NODE.opType, opType),
    ...(perm ? [bytesField(NODE.attribute, [bytesField(ATTRIBUTE.name, 'perm'), ...perm.map((p) => varintField(ATTRIBUTE.ints, p)), varintField(ATTRIBUTE.type, ATTRIBUTE.INTS)])] : []),
  ]);
}

function tensor(name: string, dataType: number, dims: number[], raw: ArrayBufferView): Uint8Array {
  return concatBytes([
    ...dims.map((d) => varintField(TENSOR.dims, d)),
    varintField(TENSOR.dataType, dataType),
    bytesField(TENSOR.name, name),
    bytesField(TENSOR.rawData, new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)),
  ]);
}

/** The little-endian bytes (ONNX raw_data) of int64 values. */
function int64s(values: number[]): BigInt64Array {
  const out = new BigInt64Array(values.length);
  values.forEach((v, i) => (out[i] = BigInt(v)));
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('A big-endian platform is not supported.');
  return out;
}

/** The input's elem type and its shape's dims, each as its serialized Dimension message. */
function tensorType(valueInfo: WireField[]): { elemType: number; dims: Uint8Array[] } | null {
  const type = valueInfo.find((f) => f.field === VALUE_INFO.type);
  const t = type && wireFields(type.value).find((f) => f.field === TYPE.tensor);
  if (!t) return null;
  const fields = wireFields(t.value);
  const shape = fields.find((f) => f.field === TYPE.shape);
  return {
    elemType: fields.find((f) => f.field === TYPE.elemType)?.varint ?? 0,
    dims: shape ? wireFields(shape.value).filter((f) => f.field === TYPE.dim).map((f) => f.value) : [],
  };
}

/** A Dimension message as onnxruntime reports it: its value, its name, or null. */
function dimension(d: Uint8Array): number | string | null {
  const fields = wireFields(d);
  const value = fields.find((x) => x.field === TYPE.dimValue && x.wireType === 0);
  if (value) return value.varint;
  return fields.some((x) => x.field === TYPE.dimParam) ? textField(fields, TYPE.dimParam) : null;
}

/**
 * The model's inputs (initializers listed as inputs left out) and outputs, names and shapes, read from its
 * bytes without onnxruntime; null if the bytes cannot be read. What `sessionModelIO` reports of a session.
 */
export function modelIOFromBytes(modelBytes: Uint8Array): ModelIO | null {
  try {
    const graph = wireFields(modelBytes).find((f) => f.field === MODEL.graph);
    if (!graph) return null;
    const fields = wireFields(graph.value);
    const initializers = new Set(fields.filter((f) => f.field === GRAPH.initializer).map((f) => textField(wireFields(f.value), TENSOR.name)));
    const info = (f: WireField): TensorInfo => {
      const valueInfo = wireFields(f.value);
      return { name: textField(valueInfo, VALUE_INFO.name), shape: (tensorType(valueInfo)?.dims ?? []).map(dimension) };
    };
    return {
      inputs: fields.filter((f) => f.field === GRAPH.input).map(info).filter((i) => !initializers.has(i.name)),
      outputs: fields.filter((f) => f.field === GRAPH.output).map(info),
    };
  } catch {
    return null;
  }
}

const isByte = (v: number) => Number.isInteger(v) && v >= 0 && v <= 255;

/**
 * Why the packer's work cannot be done exactly by the head, or null: the mean must be whole byte values (then
 * pixel − mean is exact, and a padding pixel of the mean's bytes gives 0) and the std float32 values (a float32
 * division of exact operands rounds as the packer's float64 division rounded to float32 does).
 */
export function rgbaHeadObstacle(normalization: Normalization): string | null {
  if (!normalization.mean.every(isByte)) return `its mean (${normalization.mean.join(', ')}) is not whole byte values`;
  if (!normalization.std.every((s) => s > 0 && Math.fround(s) === s)) return `its std (${normalization.std.join(', ')}) is not float32 values`;
  return null;
}

/**
 * The model with its pre-processing at the head of its graph, so that it takes a frame's bytes as they are:
 * input `rgba`, uint8 [1,H,W,4] (RGBA, row-major, as `VideoFrame.copyTo` gives them), in place of float32
 * [1,3,H,W]. The head: Transpose to planar, Slice of the channels in the model's order (alpha dropped),
 * DequantizeLinear with scale 1 and zero point 0 (exactly x), then Sub of the mean and Div by the std where they
 * are not 0 and 1. The model computes what it computed on `ImagePacker`'s tensor, bit for bit, when the content
 * is opaque and every padding pixel holds the mean's bytes (`RgbaPacker` does both). Works on the serialized
 * bytes: every other field of the model is kept as it is. Returns the reason where it cannot be done.
 */
export function addRgbaHead(modelBytes: Uint8Array, model: RgbaHeadModel): RgbaHeadResult {
  const obstacle = rgbaHeadObstacle(model);
  if (obstacle) return { reason: obstacle };
  let modelFields: WireField[];
  try {
    modelFields = wireFields(modelBytes);
  } catch (error) {
    return { reason: `its bytes could not be read (${(error as Error).message})` };
  }
  const graphs = modelFields.filter((f) => f.field === MODEL.graph);
  if (graphs.length !== 1) return { reason: `it holds ${graphs.length} graph fields` };
  const opset = modelFields
    .filter((f) => f.field === MODEL.opsetImport)
    .map((f) => wireFields(f.value))
    .find((o) => ['', 'ai.onnx'].includes(textField(o, OPSET.domain)));
  const version = opset?.find((f) => f.field === OPSET.version)?.varint ?? 0;
  // Slice with steps and DequantizeLinear came in opset 10.
  if (version < 10) return { reason: `its opset is ${version}; the head needs 10 or later` };

  const graph = wireFields(graphs[0].value);
  const names = new Set<string>();
  for (const f of graph) {
    if (f.field === GRAPH.input) names.add(textField(wireFields(f.value), VALUE_INFO.name));
    if (f.field === GRAPH.initializer) names.add(textField(wireFields(f.value), TENSOR.name));
    if (f.field === GRAPH.node) for (const o of wireFields(f.value).filter((x) => x.field === NODE.output)) names.add(text(o.value));
  }
  const input = graph.find((f) => f.field === GRAPH.input && textField(wireFields(f.value), VALUE_INFO.name) === model.inputName);
  const type = input && tensorType(wireFields(input.value));
  if (!type) return { reason: `it has no input ${model.inputName}` };
  const [n, c, h, w] = type.dims;
  const batchOfOne = (d: number | string | null) => typeof d !== 'number' || d === 1;
  if (type.elemType !== DATA.FLOAT || type.dims.length !== 4 || dimension(c) !== 3 || !batchOfOne(dimension(n))) {
    return { reason: `its input ${model.inputName} is not float32 [1,3,H,W]` };
  }
  const prefix = 'retinaface_web_rgba_';
  if (names.has(RGBA_HEAD_INPUT) || [...names].some((x) => x.startsWith(prefix))) return { reason: `its graph already uses the name ${RGBA_HEAD_INPUT}` };

  const { channelOrder, mean, std } = model;
  const bgr = channelOrder === 'BGR';
  const at = (step: string) => `${prefix}${step}`;
  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [
    // Slice: starts, ends, axes, steps. Going down from 2, an end of −5 (clamped to −1) stops after channel 0.
    tensor(at('starts'), DATA.INT64, [1], int64s([bgr ? 2 : 0])),
    tensor(at('ends'), DATA.INT64, [1], int64s([bgr ? -5 : 3])),
    tensor(at('axes'), DATA.INT64, [1], int64s([1])),
    tensor(at('steps'), DATA.INT64, [1], int64s([bgr ? -1 : 1])),
    tensor(at('scale'), DATA.FLOAT, [], Float32Array.of(1)),
    tensor(at('zero_point'), DATA.UINT8, [], Uint8Array.of(0)),
  ];
  const steps: [op: 'Sub' | 'Div', values: readonly number[]][] = [];
  if (mean.some((m) => m !== 0)) steps.push(['Sub', mean]);
  if (std.some((s) => s !== 1)) steps.push(['Div', std]);
  let value = steps.length ? at('pixels') : model.inputName;
  nodes.push(node('Transpose', at('planar'), [RGBA_HEAD_INPUT], [at('planar')], [0, 3, 1, 2]));
  nodes.push(node('Slice', at('picked'), [at('planar'), at('starts'), at('ends'), at('axes'), at('steps')], [at('picked')]));
  nodes.push(node('DequantizeLinear', value, [at('picked'), at('scale'), at('zero_point')], [value]));
  steps.forEach(([op, values], i) => {
    const operand = at(op.toLowerCase());
    const out = i === steps.length - 1 ? model.inputName : at(`${op.toLowerCase()}ed`);
    initializers.push(tensor(operand, DATA.FLOAT, [1, 3, 1, 1], Float32Array.from(values)));
    nodes.push(node(op, out, [value, operand], [out]));
    value = out;
  });
  const one = bytesField(TYPE.dim, varintField(TYPE.dimValue, 1));
  const four = bytesField(TYPE.dim, varintField(TYPE.dimValue, 4));
  const shape = bytesField(TYPE.shape, [one, bytesField(TYPE.dim, h), bytesField(TYPE.dim, w), four]);
  const rgbaInput = bytesField(GRAPH.input, [
    bytesField(VALUE_INFO.name, RGBA_HEAD_INPUT),
    bytesField(VALUE_INFO.type, [bytesField(TYPE.tensor, [varintField(TYPE.elemType, DATA.UINT8), shape])]),
  ]);
  // The head's nodes first (the graph stays in topological order), then the graph as it was without its float
  // input, then the new input.
  const kept = graph.filter((f) => f !== input).map((f) => graphs[0].value.subarray(f.start, f.end));
  const newGraph = bytesField(MODEL.graph, [...nodes.map((x) => bytesField(GRAPH.node, x)), ...initializers.map((x) => bytesField(GRAPH.initializer, x)), ...kept, rgbaInput]);
  const rest = modelFields.map((f) => (f === graphs[0] ? newGraph : modelBytes.subarray(f.start, f.end)));
  return { model: concatBytes(rest) };
}
