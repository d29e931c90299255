import type { ChannelOrder, Size } from '../../core/index.ts';
import { DataType, floatTensor, int64Tensor, type OnnxAttribute, type OnnxGraph, type OnnxModel } from '../onnx/onnx-model.ts';
import { countParameters } from '../model-info.ts';
import { foldBatchNorms, pruneInitializers } from '../passes/fold-bn.ts';
import { reverseInputChannels } from '../passes/input-channels.ts';
import { describeOptimizeStats, optimizeModel, type OptimizeStats } from '../passes/optimize.ts';
import { addRgbaInput, RGBA_INPUT } from '../passes/rgba-input.ts';
import { readMxnetParams } from './mxnet-params.ts';
import { inferMxnetShapes, isVariable, opOf, type MxnetShapes } from './mxnet-shapes.ts';
import { attrBool, parseMxnetSymbol, type MxSymbol } from './mxnet-symbol.ts';
import { batchNormParams, type EmitContext } from './ops.ts';
import { syntheticWeights } from './synthetic.ts';
import { MapWeights, ParamsWeights, type WeightSource } from './weights.ts';

/**
 * Version of the converter's output, written as the ONNX `producer_version`. Bump it whenever the bytes the
 * converter writes for the same inputs change: the setup script pins the sha256 of the default model built with
 * it (tests/unit/convert checks that pin).
 */
export const CONVERTER_VERSION = '1';
export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;
/** The probe size used to infer channel counts and parameter shapes of a dynamic-size model. */
export const PROBE_SIZE: Size = { width: 640, height: 640 };

export interface ConvertOptions {
  /**
   * Channel order the converted model takes. The insightface models were trained on RGB; `'BGR'` reverses the
   * input channels inside the first layer (like OpenVINO's `--reverse_input_channels`). Defaults to `'RGB'`.
   */
  channelOrder?: ChannelOrder;
  /** A fixed input size, or `null` for dynamic height and width. Defaults to `null`. */
  inputSize?: Size | null;
  /** Fold the BatchNorms that follow a convolution into it. Defaults to false. */
  foldBatchNorm?: boolean;
  /**
   * Run the graph passes of `optimizeModel` (BatchNorm folding included): the fastest graph whose detections
   * equal the plain conversion's. Defaults to false (the plain conversion: bit-identical to the reference ONNX).
   */
  optimize?: boolean;
  /**
   * What the model takes: `'float32'`, a [1,3,H,W] tensor of raw pixel values in `channelOrder`; or `'rgba-u8'`,
   * the frame's bytes as uint8 [1,H,W,4] (see `addRgbaInput`). Defaults to `'float32'`.
   */
  input?: 'float32' | 'rgba-u8';
  /** The graph's name. Defaults to the symbol file's base name. */
  graphName?: string;
  /** Extra `metadata_props`. */
  metadata?: Record<string, string>;
}

export interface MxnetSource {
  /** The symbol JSON text. */
  symbol: string;
  /** Names the symbol in messages (a path). */
  symbolName: string;
  /** The `.params` bytes, or a seed for synthetic weights. */
  weights: { params: Uint8Array; paramsName: string } | { syntheticSeed: number };
}

export interface ConvertResult {
  model: OnnxModel;
  /** Non-fatal findings (e.g. params the symbol does not use). */
  warnings: string[];
  /** What the passes did, for the report. */
  stats: {
    nodes: number;
    parameters: number;
    foldedBatchNorms: number;
    channelReversal: 'weights' | 'gather' | 'none';
    /** What `optimize` did, when it was on. */
    optimized?: OptimizeStats;
  };
}

/** Fresh unique names: the first use of a name keeps it, later ones get `_2`, `_3`, … */
class Names {
  private readonly used = new Set<string>();

  take(base: string): string {
    let name = base || 'unnamed';
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}

function buildGraph(symbol: MxSymbol, inferred: MxnetShapes, weights: WeightSource, graphName: string): { graph: OnnxGraph; usedParams: Set<string>; tensorOf: string[] } {
  const { nodes } = symbol;
  const names = new Names();
  const graph: OnnxGraph = { name: graphName, nodes: [], initializers: [], inputs: [], outputs: [] };
  const tensorOf: string[] = new Array(nodes.length);
  const usedParams = new Set<string>();

  // Variables keep their names (the input, and the parameters as initializers); op outputs are named after
  // their nodes, made unique (R50 has two nodes called `_plus0` and two called `_plus1`).
  for (const node of nodes) if (isVariable(node)) tensorOf[node.index] = names.take(node.name);
  for (const node of nodes) if (!isVariable(node)) tensorOf[node.index] = names.take(node.name);

  const initialized = new Set<string>();
  const initializer = (index: number): string => {
    const name = tensorOf[index];
    if (initialized.has(name)) return name;
    const use = inferred.params.get(index)!;
    const consumer = use.consumer;
    let values: Float32Array;
    if (use.role === 'gamma' && consumer.op === 'BatchNorm' && batchNormParams(consumer).fixGamma) {
      values = new Float32Array(use.shape[0]).fill(1); // fix_gamma: MXNet ignores the stored gamma
    } else {
      values = weights.get(use);
    }
    usedParams.add(use.variable.name);
    graph.initializers.push(floatTensor(name, use.shape, values));
    initialized.add(name);
    return name;
  };

  for (const node of nodes) {
    if (isVariable(node)) continue;
    const op = opOf(node);
    const dataCount = op.dataInputs?.(node) ?? node.inputs.length;
    const ctx: EmitContext = {
      node,
      inputs: node.inputs.slice(0, dataCount).map((i) => tensorOf[i]),
      params: node.inputs.slice(dataCount).map(initializer),
      output: tensorOf[node.index],
      inputShapes: node.inputs.slice(0, dataCount).map((i) => inferred.shapes[i]!),
      addNode(opType, inputs, outputs, attributes: OnnxAttribute[] = [], name) {
        graph.nodes.push({ opType, name: name ?? outputs[0], inputs, outputs, attributes });
      },
      name: (base) => names.take(base),
      int64(base, values) {
        const t = int64Tensor(names.take(base), values);
        graph.initializers.push(t);
        return t.name;
      },
      float32(base, values, dims) {
        const data = Float32Array.from(values);
        const t = floatTensor(names.take(base), dims ?? [data.length], data);
        graph.initializers.push(t);
        return t.name;
      },
    };
    op.emit(ctx);
  }
  return { graph, usedParams, tensorOf };
}

/** A readable name for a dynamic output dimension: `h32`/`w32` when the probe says stride 32, else generic. */
function dynamicDim(output: string, axis: number, probeSize: number, inputSize: number): string {
  const stride = inputSize / probeSize;
  const label = axis === 2 ? 'h' : axis === 3 ? 'w' : `d${axis}_`;
  return Number.isInteger(stride) ? `${label}${stride}` : `${output}_${label}`;
}

/**
 * Converts an insightface RetinaFace MXNet model (symbol + params, or symbol + synthetic weights) to ONNX
 * (IR 7, opset 13): input `[1,3,H,W]` float32 raw 0..255 in the chosen channel order, outputs named and
 * ordered as the symbol's heads (`face_rpn_cls_prob_reshape_stride32`, `face_rpn_bbox_pred_stride32`, …).
 * Throws `ModelLoadError` for unreadable or mismatched files and `UnsupportedModelError` for operators or
 * attributes the converter does not handle.
 */
export function convertMxnet(source: MxnetSource, options: ConvertOptions = {}): ConvertResult {
  const symbol = parseMxnetSymbol(source.symbol, source.symbolName);
  const inputSize = options.inputSize ?? null;
  const probe = inputSize ?? PROBE_SIZE;
  const inferred = inferMxnetShapes(symbol, [1, 3, probe.height, probe.width]);
  const channels = inferred.shapes[inferred.input.index]![1];

  const synthetic = 'syntheticSeed' in source.weights;
  const weights: WeightSource =
    'syntheticSeed' in source.weights
      ? new MapWeights(syntheticWeights(symbol, inferred, source.weights.syntheticSeed))
      : new ParamsWeights(readMxnetParams(source.weights.params, source.weights.paramsName), source.weights.paramsName);

  const graphName = options.graphName ?? source.symbolName.replace(/^.*[\\/]/, '').replace(/-symbol\.json$|\.json$/, '');
  const { graph, usedParams, tensorOf } = buildGraph(symbol, inferred, weights, graphName);
  const warnings = weights.warnings(usedParams);

  const inputName = tensorOf[inferred.input.index];
  graph.inputs = [
    { name: inputName, elemType: DataType.FLOAT, shape: inputSize ? [1, channels, inputSize.height, inputSize.width] : [1, channels, 'height', 'width'] },
  ];
  graph.outputs = symbol.heads.map((h) => {
    const name = tensorOf[h];
    const shape = inferred.shapes[h]!;
    return {
      name,
      elemType: DataType.FLOAT,
      shape: inputSize
        ? shape
        : shape.map((d, axis) => (axis < 2 ? d : dynamicDim(name, axis, d, axis === 2 ? probe.height : probe.width))),
    };
  });

  const channelOrder = options.channelOrder ?? 'RGB';
  const channelReversal = channelOrder === 'BGR' ? reverseInputChannels(graph, inputName, channels) : 'none';
  const foldedBatchNorms = options.foldBatchNorm && !options.optimize ? foldBatchNorms(graph) : 0;
  pruneInitializers(graph);
  const model: OnnxModel = {
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'retinaface-web',
    producerVersion: `convert ${CONVERTER_VERSION}`,
    docString: '',
    graph,
    metadata: {},
  };
  const optimized = options.optimize ? optimizeModel(model) : undefined;
  const rgba = options.input === 'rgba-u8';
  if (rgba) addRgbaInput(model, channelOrder);

  const parameters = countParameters(graph).stored;
  const metadata: Record<string, string> = {
    'retinaface-web.family': 'insightface',
    'retinaface-web.channel_order': rgba ? 'RGBA' : channelOrder,
    'retinaface-web.input': rgba
      ? `${RGBA_INPUT} [1,H,W,4] uint8, the frame's RGBA bytes (alpha ignored; the graph picks ${channelOrder} and casts to float32)`
      : `${inputName} [1,${channels},H,W] float32, raw pixel values 0..255 in ${channelOrder} order, no mean or scaling`,
    'retinaface-web.batchnorm': optimized
      ? `${optimized.foldedBatchNorms} folded into convolutions`
      : options.foldBatchNorm
        ? `${foldedBatchNorms} folded into convolutions`
        : 'kept as BatchNormalization',
    ...(optimized ? { 'retinaface-web.optimized': describeOptimizeStats(optimized) } : {}),
    ...(synthetic
      ? {
          'retinaface-web.synthetic': 'true',
          'retinaface-web.warning':
            'SYNTHETIC RANDOM WEIGHTS: the real topology for timing and cost only. This model is not a face detector.',
        }
      : {}),
    ...options.metadata,
  };
  const fixBatchNorms = symbol.nodes.filter((n) => n.op === 'BatchNorm' && attrBool(n, 'fix_gamma', true)).length;
  const docString =
    `${graphName}: converted from MXNet (${source.symbolName}` +
    `${synthetic ? `, synthetic weights, seed ${(source.weights as { syntheticSeed: number }).syntheticSeed}` : ''}) by retinaface-web; ` +
    `input ${rgba ? `RGBA uint8 (${channelOrder} inside)` : `${channelOrder} raw 0..255`}; ${fixBatchNorms} BatchNorm(s) with fix_gamma.`;

  return {
    model: { ...model, docString, metadata },
    warnings,
    stats: {
      nodes: graph.nodes.length,
      parameters,
      foldedBatchNorms: optimized?.foldedBatchNorms ?? foldedBatchNorms,
      channelReversal,
      ...(optimized ? { optimized } : {}),
    },
  };
}
