import { describeModel, FaceDetectorError, UnsupportedModelError, type ModelFamily, type ModelIO, type Size } from '../core/index.ts';
import { consumersOf, DataType, elementCount, getInts, getString, producerOf, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './onnx/onnx-model.ts';
import { inferShapes } from './onnx/shape-inference.ts';

/**
 * What `retinaface-web info` reports about an ONNX model: family, input, outputs, parameter count and the
 * FLOPs at one input size.
 *
 * Counting rule (OpenVINO Model Analyzer's, the tool behind the model card's GFLOPs and MParams, so the figures
 * compare): one multiply-add = 2 FLOPs; a convolution costs 2 · (C_in / groups) · k_h · k_w per output element
 * (its bias is not counted); per output element ReLU / LeakyReLU / PReLU 2, BatchNormalization (a scale and a
 * shift) 2, element-wise op on two tensors 3 (2 · inputs − 1; 1 with a constant operand), max/avg pooling the
 * window size, Softmax 5, Sigmoid 3, Tanh 6, Clip 2, MatMul/Gemm 2 · K, bilinear Resize 9; data movement
 * (nearest Resize, Concat, Slice, Reshape, Shape, Transpose, Gather, …) 0.
 * Parameters are the values of the floating-point initializers that feed computing ops (shape, index and scale
 * operands of Reshape, Slice, Resize, Gather, … are not parameters).
 */
export const FLOPS_RULE =
  'OpenVINO Model Analyzer rule: multiply-add = 2 FLOPs; conv 2·(Cin/groups)·kh·kw per output element (bias not counted); ' +
  'per output element ReLU 2, BatchNorm (scale+shift) 2, element-wise add/mul of two tensors 3, pooling = window size, ' +
  'Softmax 5, Sigmoid 3; data movement (nearest Resize, Concat, Slice, Reshape, …) 0';

export const PARAMS_RULE = 'float values of the initializers that feed computing ops (shape/index/scale operands excluded)';

/** Element cost of the ops counted per output element (see the rule above). */
const PER_ELEMENT: Record<string, number> = {
  Relu: 2,
  LeakyRelu: 2,
  PRelu: 2,
  BatchNormalization: 2,
  Softmax: 5,
  LogSoftmax: 6,
  Sigmoid: 3,
  Tanh: 6,
  Clip: 2,
  HardSigmoid: 4,
  HardSwish: 4,
  Softplus: 3,
  Elu: 3,
  Exp: 1,
  Log: 1,
  Sqrt: 1,
  Neg: 1,
  Abs: 1,
  Erf: 1,
};
const ELEMENT_WISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow']);
const DATA_MOVEMENT = new Set([
  'Concat', 'Slice', 'Reshape', 'Shape', 'Transpose', 'Gather', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity',
  'Constant', 'ConstantOfShape', 'Cast', 'Dropout', 'Split', 'Expand', 'Tile', 'Pad',
  // Type conversions, like Cast (the RGBA head's uint8 → float32 is a DequantizeLinear with scale 1).
  'QuantizeLinear', 'DequantizeLinear',
]);
/** Inputs of these ops (by position) are shapes, indices or scales, not parameters. */
const NON_PARAM_INPUTS: Record<string, number[]> = {
  Reshape: [1],
  Slice: [1, 2, 3, 4],
  Resize: [1, 2, 3],
  Upsample: [1],
  Gather: [1],
  Unsqueeze: [1],
  Squeeze: [1],
  Expand: [1],
  Tile: [1],
  Pad: [1, 2],
  ConstantOfShape: [0],
  Clip: [1, 2],
  Split: [1],
  QuantizeLinear: [1, 2],
  DequantizeLinear: [1, 2],
};

export interface TensorDescription {
  name: string;
  /** Declared dims: numbers when fixed, names when symbolic, null when unknown. */
  dims: (number | string | null)[];
  /** Dims at the analysed size, when inferred. */
  dimsAtSize?: number[];
}

export interface FlopsReport {
  size: Size;
  /** Total FLOPs by the rule, for the model as stored. */
  total: number;
  /** Convolution multiply-adds. */
  convMacs: number;
  /** FLOPs by op type. */
  byOp: Record<string, number>;
  /** Op types that were not counted (unknown to the rule). */
  uncounted: string[];
}

export interface ModelInfo {
  family: ModelFamily | null;
  /** Why no family was recognized. */
  familyNote?: string;
  producer: string;
  opset: number;
  metadata: Record<string, string>;
  /** True when the metadata says the weights are synthetic (random; not a detector). */
  synthetic: boolean;
  /** Channel order from the converter's metadata, when recorded. */
  channelOrder?: string;
  input: TensorDescription & { layout: string; fixed: boolean };
  outputs: TensorDescription[];
  parameters: number;
  /** BatchNormalizations directly after a convolution (what `--fold-bn` and OpenVINO fold). */
  foldableBatchNorms: number;
  /** Parameters and FLOPs counted as OpenVINO does after its BatchNorm folding (the model card's figures). */
  openvino: { parameters: number; flops?: number };
  /** Missing when the shapes could not be inferred. */
  flops?: FlopsReport;
  /** Why FLOPs are missing. */
  flopsNote?: string;
  /** Set when a size was requested that a fixed-size model cannot take. */
  sizeNote?: string;
}

function isFoldableBatchNorm(graph: OnnxGraph, bn: OnnxNode): boolean {
  const producer = producerOf(graph, bn.inputs[0]);
  return (
    bn.opType === 'BatchNormalization' &&
    producer?.opType === 'Conv' &&
    consumersOf(graph, bn.inputs[0]).length === 1 &&
    !graph.outputs.some((o) => o.name === bn.inputs[0])
  );
}

/** Parameters as stored, and as OpenVINO counts them after folding (see `ModelInfo.openvino`). */
export function countParameters(graph: OnnxGraph): { stored: number; openvino: number; foldable: number } {
  const floats = new Map(graph.initializers.filter((t) => t.dataType === DataType.FLOAT).map((t) => [t.name, elementCount(t.dims)]));
  const params = new Set<string>();
  for (const node of graph.nodes) {
    const skip = NON_PARAM_INPUTS[node.opType] ?? [];
    node.inputs.forEach((name, i) => {
      if (!skip.includes(i) && floats.has(name)) params.add(name);
    });
  }
  const stored = [...params].reduce((n, name) => n + floats.get(name)!, 0);
  // OpenVINO: a BatchNorm after a convolution disappears into it (the convolution gains a bias if it had
  // none); any other BatchNorm becomes a scale-shift of 2 values per channel instead of 4.
  let openvino = stored;
  let foldable = 0;
  for (const node of graph.nodes) {
    if (node.opType !== 'BatchNormalization') continue;
    const channels = floats.get(node.inputs[1]) ?? 0;
    if (isFoldableBatchNorm(graph, node)) {
      foldable++;
      const conv = producerOf(graph, node.inputs[0])!;
      openvino -= 4 * channels;
      if (!conv.inputs[2]) openvino += channels;
    } else {
      openvino -= 2 * channels;
    }
  }
  return { stored, openvino, foldable };
}

/** NHWC for a uint8 frame input ([1,H,W,4] or [1,H,W,3], what `convert --input rgba-u8` makes), else NCHW. */
const isFrameInput = (input: OnnxValueInfo): boolean =>
  input.elemType === DataType.UINT8 && input.shape?.length === 4 && (input.shape[3] === 4 || input.shape[3] === 3);

/** The input's dims at `size`. */
function inputDimsAt(input: OnnxValueInfo, size: Size): number[] {
  if (isFrameInput(input)) return [1, size.height, size.width, input.shape![3] as number];
  return [1, typeof input.shape?.[1] === 'number' ? input.shape[1] : 3, size.height, size.width];
}

function countFlops(graph: OnnxGraph, size: Size): { report?: FlopsReport; foldableBnFlops?: number; shapes?: Map<string, number[]>; note?: string } {
  const input = graph.inputs[0];
  const inferred = inferShapes(graph, { [input.name]: inputDimsAt(input, size) });
  if (inferred.stoppedAt) {
    const { node, reason } = inferred.stoppedAt;
    return { note: `shapes could not be inferred past node ${node.name || node.outputs[0]} (${node.opType}): ${reason}` };
  }
  const { shapes } = inferred;
  const constant = new Set(graph.initializers.map((t) => t.name));
  const byOp: Record<string, number> = {};
  const uncounted = new Set<string>();
  let convMacs = 0;
  let foldableBnFlops = 0;
  for (const node of graph.nodes) {
    const out = shapes.get(node.outputs[0])!;
    const elements = elementCount(out);
    let flops = 0;
    if (node.opType === 'Conv') {
      const w = shapes.get(node.inputs[1])!;
      const macs = elements * elementCount(w.slice(1));
      convMacs += macs;
      flops = 2 * macs;
    } else if (node.opType in PER_ELEMENT) {
      flops = PER_ELEMENT[node.opType] * elements;
      if (isFoldableBatchNorm(graph, node)) foldableBnFlops += flops;
    } else if (ELEMENT_WISE.has(node.opType)) {
      flops = (node.inputs.some((i) => constant.has(i)) ? 1 : 2 * node.inputs.length - 1) * elements;
    } else if (node.opType === 'MaxPool' || node.opType === 'AveragePool') {
      flops = elementCount(getInts(node, 'kernel_shape') ?? []) * elements;
    } else if (node.opType === 'GlobalAveragePool' || node.opType === 'GlobalMaxPool') {
      flops = elementCount(shapes.get(node.inputs[0])!.slice(2)) * elements;
    } else if (node.opType === 'MatMul' || node.opType === 'Gemm') {
      const a = shapes.get(node.inputs[0])!;
      const k = node.opType === 'Gemm' && node.attributes.some((x) => x.name === 'transA' && x.type === 'int' && x.value) ? a[0] : a[a.length - 1];
      flops = 2 * k * elements;
    } else if (node.opType === 'Resize' || node.opType === 'Upsample') {
      flops = getString(node, 'mode', 'nearest') === 'nearest' ? 0 : 9 * elements;
    } else if (!DATA_MOVEMENT.has(node.opType)) {
      uncounted.add(node.opType);
    }
    byOp[node.opType] = (byOp[node.opType] ?? 0) + flops;
  }
  const total = Object.values(byOp).reduce((a, b) => a + b, 0);
  return { report: { size, total, convMacs, byOp, uncounted: [...uncounted] }, foldableBnFlops, shapes };
}

/** Describes a model; FLOPs at `size` (defaults to the model's fixed size, else 640x640). */
export function analyzeModel(model: OnnxModel, size?: Size): ModelInfo {
  const { graph } = model;
  if (graph.inputs.length !== 1) {
    throw new UnsupportedModelError(`The model has ${graph.inputs.length} inputs; info handles image models with one input.`);
  }
  const io: ModelIO = {
    inputs: graph.inputs.map((v) => ({ name: v.name, shape: v.shape ?? [] })),
    outputs: graph.outputs.map((v) => ({ name: v.name, shape: v.shape ?? [] })),
  };
  let family: ModelInfo['family'] = null;
  let familyNote: string | undefined;
  try {
    family = describeModel(io).family;
  } catch (error) {
    if (!(error instanceof FaceDetectorError)) throw error;
    familyNote = error.message;
  }
  const input = graph.inputs[0];
  const dims = input.shape ?? [];
  const frame = isFrameInput(input);
  const [hDim, wDim] = frame ? [dims[1], dims[2]] : [dims[2], dims[3]];
  const fixedSize = typeof hDim === 'number' && typeof wDim === 'number' && hDim > 0 && wDim > 0;
  const fixed = fixedSize ? { width: wDim as number, height: hDim as number } : undefined;
  const sizeNote =
    fixed && size && (size.width !== fixed.width || size.height !== fixed.height)
      ? `the input is fixed at ${fixed.width}x${fixed.height}; figures are for that size, not ${size.width}x${size.height}`
      : undefined;
  const at = fixed ?? size ?? { width: 640, height: 640 };
  const params = countParameters(graph);
  const flops = countFlops(graph, at);
  const metadata = model.metadata;
  return {
    family,
    ...(familyNote ? { familyNote } : {}),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opset: model.opset,
    metadata,
    synthetic: metadata['retinaface-web.synthetic'] === 'true',
    ...(metadata['retinaface-web.channel_order'] ? { channelOrder: metadata['retinaface-web.channel_order'] } : {}),
    input: { name: input.name, dims, layout: frame ? 'NHWC uint8' : dims.length === 4 ? 'NCHW' : `${dims.length}-d`, fixed: fixedSize, dimsAtSize: inputDimsAt(input, at) },
    outputs: graph.outputs.map((o) => ({ name: o.name, dims: o.shape ?? [], ...(flops.shapes?.get(o.name) ? { dimsAtSize: flops.shapes.get(o.name) } : {}) })),
    parameters: params.stored,
    foldableBatchNorms: params.foldable,
    openvino: {
      parameters: params.openvino,
      ...(flops.report ? { flops: flops.report.total - (flops.foldableBnFlops ?? 0) } : {}),
    },
    ...(flops.report ? { flops: flops.report } : { flopsNote: flops.note }),
    ...(sizeNote ? { sizeNote } : {}),
  };
}

// ---------------------------------------------------------------- text

const dimsText = (dims: readonly (number | string | null)[]) => `[${dims.map((d) => d ?? '?').join(',')}]`;
const group = (n: number) => Math.round(n).toLocaleString('en-US');

/** The human-readable report. */
export function formatModelInfo(info: ModelInfo, file: string): string {
  const lines: string[] = [`${file}`];
  if (info.synthetic) {
    lines.push('  WARNING: SYNTHETIC WEIGHTS (random) — the topology for timing and cost only; this is not a face detector.');
  }
  lines.push(`  family      ${info.family ?? `none recognized (${info.familyNote})`}`);
  lines.push(`  producer    ${info.producer || '?'}, opset ${info.opset}`);
  const size = info.input.fixed ? 'fixed' : 'dynamic height and width';
  lines.push(
    `  input       ${info.input.name} ${dimsText(info.input.dims)} ${info.input.layout}, ${size}` +
      (info.channelOrder ? `, ${info.channelOrder}` : ''),
  );
  const at = info.flops?.size;
  if (info.sizeNote) lines.push(`  note        ${info.sizeNote}`);
  lines.push(`  outputs     ${info.outputs.length}${at ? ` (dims at ${at.width}x${at.height})` : ''}`);
  for (const o of info.outputs) {
    lines.push(`    ${o.name.padEnd(36)} ${dimsText(o.dims)}${o.dimsAtSize ? ` → ${dimsText(o.dimsAtSize)}` : ''}`);
  }
  lines.push(`  parameters  ${group(info.parameters)} (${(info.parameters / 1e6).toFixed(4)} M; ${PARAMS_RULE})`);
  if (info.flops) {
    const f = info.flops;
    lines.push(
      `  FLOPs       ${(f.total / 1e9).toFixed(4)} G at ${f.size.width}x${f.size.height} ` +
        `(conv multiply-adds ${(f.convMacs / 1e9).toFixed(4)} G × 2 = ${((2 * f.convMacs) / 1e9).toFixed(4)} G, ` +
        `other ${((f.total - 2 * f.convMacs) / 1e9).toFixed(4)} G)`,
    );
    if (f.uncounted.length) lines.push(`              not counted (unknown to the rule): ${f.uncounted.join(', ')}`);
  } else {
    lines.push(`  FLOPs       unavailable: ${info.flopsNote}`);
  }
  if (info.foldableBatchNorms > 0 || info.openvino.parameters !== info.parameters) {
    lines.push(
      `  OpenVINO    ${group(info.openvino.parameters)} parameters (${(info.openvino.parameters / 1e6).toFixed(4)} M)` +
        (info.openvino.flops !== undefined ? `, ${(info.openvino.flops / 1e9).toFixed(4)} GFLOPs` : '') +
        ` as OpenVINO counts the model: BatchNorms after a convolution folded into it (${info.foldableBatchNorms} here), ` +
        'other BatchNorms as scale+shift (2 values per channel)',
    );
  }
  lines.push(`  rule        ${FLOPS_RULE}`);
  return lines.join('\n');
}
