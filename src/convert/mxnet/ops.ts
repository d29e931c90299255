import { UnsupportedModelError } from '../../core/index.ts';
import { floatAttr, intAttr, intsAttr, stringAttr, type OnnxAttribute } from '../onnx/onnx-model.ts';
import { attrBool, attrNumber, attrString, attrTuple, type MxNode } from './mxnet-symbol.ts';

/** A tensor shape at the probe input size (NCHW for the image tensors). */
export type Shape = number[];

/** What a parameter input of an op is for; names the input in error messages. */
export type ParamRole = 'weight' | 'bias' | 'gamma' | 'beta' | 'moving_mean' | 'moving_var';

export interface InferResult {
  shape: Shape;
  /** The shape each parameter input must have, in input order after the data inputs. */
  params?: { role: ParamRole; shape: Shape }[];
}

/** What an op converter can do while emitting ONNX. */
export interface EmitContext {
  node: MxNode;
  /** ONNX names of the data inputs. */
  inputs: string[];
  /** ONNX names of the parameter inputs (initializers), in input order after the data inputs. */
  params: string[];
  /** The ONNX name this node's output must have. */
  output: string;
  /** Inferred shapes of the data inputs at the probe size. */
  inputShapes: Shape[];
  addNode(opType: string, inputs: string[], outputs: string[], attributes?: OnnxAttribute[], name?: string): void;
  /** A fresh tensor/node name derived from `base`. */
  name(base: string): string;
  /** An int64 constant (initializer); returns its name. */
  int64(base: string, values: number[]): string;
  /** A float32 constant (initializer); returns its name. */
  float32(base: string, values: number[] | Float32Array, dims?: number[]): string;
}

export interface OpConverter {
  /** How many leading inputs carry data; the rest are parameters (variables). Defaults to all. */
  dataInputs?: (node: MxNode) => number;
  infer(node: MxNode, inputs: Shape[]): InferResult;
  emit(ctx: EmitContext): void;
}

const unsupported = (node: MxNode, what: string): never => {
  throw new UnsupportedModelError(`Node ${node.name} (${node.op}): ${what} is not supported by the converter.`);
};

const shapeText = (s: Shape) => `[${s.join(',')}]`;

function expectRank(node: MxNode, shape: Shape, rank: number): void {
  if (shape.length !== rank) {
    throw new UnsupportedModelError(`Node ${node.name} (${node.op}) expects a ${rank}-d input; it gets ${shapeText(shape)}.`);
  }
}

function pair(node: MxNode, key: string, fallback: number): [number, number] {
  const v = attrTuple(node, key, [fallback, fallback]);
  if (v.length !== 2) unsupported(node, `${key}=${node.attrs[key]} (only 2-d convolutions and pooling)`);
  return [v[0], v[1]];
}

// ---------------------------------------------------------------- Convolution

interface ConvParams {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  dilate: [number, number];
  filters: number;
  groups: number;
  bias: boolean;
}

export function convParams(node: MxNode): ConvParams {
  const kernel = pair(node, 'kernel', NaN);
  if (kernel.some(Number.isNaN)) unsupported(node, 'a convolution without a 2-d kernel');
  const layout = attrString(node, 'layout', 'NCHW');
  if (layout !== 'NCHW' && layout !== 'None') unsupported(node, `layout ${layout}`);
  return {
    kernel,
    stride: pair(node, 'stride', 1),
    pad: pair(node, 'pad', 0),
    dilate: pair(node, 'dilate', 1),
    filters: attrNumber(node, 'num_filter', NaN),
    groups: attrNumber(node, 'num_group', 1),
    bias: !attrBool(node, 'no_bias', false),
  };
}

const convOut = (size: number, k: number, s: number, p: number, d: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;

const convolution: OpConverter = {
  dataInputs: () => 1,
  infer(node, [x]) {
    expectRank(node, x, 4);
    const c = convParams(node);
    if (!Number.isInteger(c.filters) || c.filters < 1) unsupported(node, `num_filter=${node.attrs.num_filter}`);
    if (x[1] % c.groups !== 0 || c.filters % c.groups !== 0) {
      throw new UnsupportedModelError(
        `Node ${node.name} (Convolution): ${x[1]} input channels and ${c.filters} filters do not divide into ${c.groups} groups.`,
      );
    }
    const expectedInputs = c.bias ? 3 : 2;
    if (node.inputs.length !== expectedInputs) {
      throw new UnsupportedModelError(
        `Node ${node.name} (Convolution) has ${node.inputs.length} inputs; with no_bias=${!c.bias} it should have ${expectedInputs}.`,
      );
    }
    const h = convOut(x[2], c.kernel[0], c.stride[0], c.pad[0], c.dilate[0]);
    const w = convOut(x[3], c.kernel[1], c.stride[1], c.pad[1], c.dilate[1]);
    if (h < 1 || w < 1) throw new UnsupportedModelError(`Node ${node.name} (Convolution): the input ${shapeText(x)} is too small.`);
    const params: InferResult['params'] = [{ role: 'weight', shape: [c.filters, x[1] / c.groups, ...c.kernel] }];
    if (c.bias) params.push({ role: 'bias', shape: [c.filters] });
    return { shape: [x[0], c.filters, h, w], params };
  },
  emit(ctx) {
    const c = convParams(ctx.node);
    ctx.addNode('Conv', [ctx.inputs[0], ...ctx.params], [ctx.output], [
      intsAttr('dilations', c.dilate),
      intAttr('group', c.groups),
      intsAttr('kernel_shape', c.kernel),
      intsAttr('pads', [c.pad[0], c.pad[1], c.pad[0], c.pad[1]]),
      intsAttr('strides', c.stride),
    ]);
  },
};

// ---------------------------------------------------------------- BatchNorm

/** MXNet's BatchNorm defaults: eps 1e-3 and fix_gamma true (gamma is then 1 whatever the params hold). */
export function batchNormParams(node: MxNode): { eps: number; fixGamma: boolean } {
  if (attrNumber(node, 'axis', 1) !== 1) unsupported(node, `axis=${node.attrs.axis} (only the channel axis 1)`);
  if (attrBool(node, 'output_mean_var', false)) unsupported(node, 'output_mean_var=True');
  return { eps: attrNumber(node, 'eps', 1e-3), fixGamma: attrBool(node, 'fix_gamma', true) };
}

const batchNorm: OpConverter = {
  dataInputs: () => 1,
  infer(node, [x]) {
    batchNormParams(node);
    if (node.inputs.length !== 5) {
      throw new UnsupportedModelError(`Node ${node.name} (BatchNorm) has ${node.inputs.length} inputs; expected data, gamma, beta, moving_mean, moving_var.`);
    }
    const c = [x[1]];
    const roles: ParamRole[] = ['gamma', 'beta', 'moving_mean', 'moving_var'];
    return { shape: x, params: roles.map((role) => ({ role, shape: c })) };
  },
  emit(ctx) {
    const { eps } = batchNormParams(ctx.node);
    // fix_gamma is applied by the caller, which hands over a gamma of ones.
    ctx.addNode('BatchNormalization', [ctx.inputs[0], ...ctx.params], [ctx.output], [floatAttr('epsilon', eps)]);
  },
};

// ---------------------------------------------------------------- element-wise

const ACTIVATIONS: Record<string, string> = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softrelu: 'Softplus', softsign: 'Softsign' };

const activation: OpConverter = {
  infer(node, [x]) {
    const type = attrString(node, 'act_type', '');
    if (!ACTIVATIONS[type]) unsupported(node, `act_type "${type}" (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
    return { shape: x };
  },
  emit(ctx) {
    ctx.addNode(ACTIVATIONS[attrString(ctx.node, 'act_type', '')], ctx.inputs, [ctx.output]);
  },
};

const add: OpConverter = {
  infer(node, inputs) {
    if (inputs.length !== 2) unsupported(node, `${inputs.length} inputs`);
    const [a, b] = inputs;
    if (shapeText(a) !== shapeText(b)) {
      throw new UnsupportedModelError(`Node ${node.name} (${node.op}) adds ${shapeText(a)} and ${shapeText(b)}; the shapes must be equal.`);
    }
    return { shape: a };
  },
  emit(ctx) {
    ctx.addNode('Add', ctx.inputs, [ctx.output]);
  },
};

// ---------------------------------------------------------------- structure

const concat: OpConverter = {
  infer(node, inputs) {
    const dim = attrNumber(node, 'dim', 1);
    const first = inputs[0];
    const axis = dim < 0 ? dim + first.length : dim;
    const out = first.slice();
    for (const s of inputs.slice(1)) {
      if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) {
        throw new UnsupportedModelError(
          `Node ${node.name} (Concat) joins ${inputs.map(shapeText).join(' and ')} along axis ${axis}; the other dimensions must match.`,
        );
      }
      out[axis] += s[axis];
    }
    return { shape: out };
  },
  emit(ctx) {
    ctx.addNode('Concat', ctx.inputs, [ctx.output], [intAttr('axis', attrNumber(ctx.node, 'dim', 1))]);
  },
};

const pooling: OpConverter = {
  infer(node, [x]) {
    expectRank(node, x, 4);
    const type = attrString(node, 'pool_type', 'max');
    if (type !== 'max' && type !== 'avg') unsupported(node, `pool_type "${type}"`);
    if (attrBool(node, 'global_pool', false)) return { shape: [x[0], x[1], 1, 1] };
    const kernel = pair(node, 'kernel', NaN);
    const stride = pair(node, 'stride', 1);
    const pad = pair(node, 'pad', 0);
    const convention = attrString(node, 'pooling_convention', 'valid');
    if (convention !== 'valid' && convention !== 'full') unsupported(node, `pooling_convention "${convention}"`);
    const round = convention === 'full' ? Math.ceil : Math.floor;
    const out = (i: number) => round((x[2 + i] + 2 * pad[i] - kernel[i]) / stride[i]) + 1;
    return { shape: [x[0], x[1], out(0), out(1)] };
  },
  emit(ctx) {
    const node = ctx.node;
    const max = attrString(node, 'pool_type', 'max') === 'max';
    if (attrBool(node, 'global_pool', false)) {
      ctx.addNode(max ? 'GlobalMaxPool' : 'GlobalAveragePool', ctx.inputs, [ctx.output]);
      return;
    }
    const pad = pair(node, 'pad', 0);
    const attributes = [
      intAttr('ceil_mode', attrString(node, 'pooling_convention', 'valid') === 'full' ? 1 : 0),
      intsAttr('kernel_shape', pair(node, 'kernel', 1)),
      intsAttr('pads', [pad[0], pad[1], pad[0], pad[1]]),
      intsAttr('strides', pair(node, 'stride', 1)),
    ];
    // MXNet's average pooling divides by the whole window, padding included, unless told otherwise.
    if (!max) attributes.push(intAttr('count_include_pad', attrBool(node, 'count_include_pad', true) ? 1 : 0));
    ctx.addNode(max ? 'MaxPool' : 'AveragePool', ctx.inputs, [ctx.output], attributes);
  },
};

const upSampling: OpConverter = {
  infer(node, inputs) {
    const type = attrString(node, 'sample_type', '');
    if (type !== 'nearest') unsupported(node, `sample_type "${type}" (only nearest)`);
    if (inputs.length !== 1 || attrNumber(node, 'num_args', 1) !== 1) unsupported(node, 'more than one input');
    const scale = attrNumber(node, 'scale', NaN);
    if (!Number.isInteger(scale) || scale < 1) unsupported(node, `scale=${node.attrs.scale}`);
    const [x] = inputs;
    expectRank(node, x, 4);
    return { shape: [x[0], x[1], x[2] * scale, x[3] * scale] };
  },
  emit(ctx) {
    const scale = attrNumber(ctx.node, 'scale', 1);
    const scales = ctx.float32(`${ctx.output}_scales`, [1, 1, scale, scale]);
    // Nearest neighbour at integer scale: output (y, x) reads input (floor(y/s), floor(x/s)), as MXNet does.
    ctx.addNode('Resize', [ctx.inputs[0], '', scales], [ctx.output], [
      stringAttr('coordinate_transformation_mode', 'asymmetric'),
      stringAttr('mode', 'nearest'),
      stringAttr('nearest_mode', 'floor'),
    ]);
  },
};

/** `Crop` with two inputs: the first cut to the second's height and width, from `offset` (default top-left). */
const crop: OpConverter = {
  infer(node, inputs) {
    if (inputs.length !== 2) unsupported(node, `${inputs.length} inputs (only Crop with a reference input; h_w is not supported)`);
    if (attrBool(node, 'center_crop', false)) unsupported(node, 'center_crop=True');
    const [x, like] = inputs;
    expectRank(node, x, 4);
    expectRank(node, like, 4);
    const [oy, ox] = attrTuple(node, 'offset', [0, 0]);
    if (oy + like[2] > x[2] || ox + like[3] > x[3]) {
      throw new UnsupportedModelError(`Node ${node.name} (Crop) cannot cut ${shapeText(like)} at (${oy}, ${ox}) from ${shapeText(x)}.`);
    }
    return { shape: [x[0], x[1], like[2], like[3]] };
  },
  emit(ctx) {
    const [x, like] = ctx.inputs;
    const [oy, ox] = attrTuple(ctx.node, 'offset', [0, 0]);
    const base = ctx.output;
    const likeShape = ctx.name(`${base}_like_shape`);
    const likeHw = ctx.name(`${base}_like_hw`);
    ctx.addNode('Shape', [like], [likeShape], [], ctx.name(`${base}_shape`));
    ctx.addNode('Slice', [likeShape, ctx.int64(`${base}_hw_start`, [2]), ctx.int64(`${base}_hw_end`, [4])], [likeHw], [], ctx.name(`${base}_hw`));
    let ends = likeHw;
    if (oy !== 0 || ox !== 0) {
      ends = ctx.name(`${base}_ends`);
      ctx.addNode('Add', [likeHw, ctx.int64(`${base}_offset`, [oy, ox])], [ends], [], ctx.name(`${base}_add_offset`));
    }
    ctx.addNode('Slice', [x, ctx.int64(`${base}_starts`, [oy, ox]), ends, ctx.int64(`${base}_axes`, [2, 3])], [ctx.output]);
  },
};

/** MXNet Reshape: 0 copies the input dimension, −1 is inferred (as ONNX Reshape); −2, −3, −4 are not supported. */
const reshape: OpConverter = {
  infer(node, [x]) {
    if (attrBool(node, 'reverse', false)) unsupported(node, 'reverse=True');
    const spec = attrTuple(node, 'shape');
    if (spec.some((d) => d < -1)) unsupported(node, `the special shape values −2, −3, −4 in shape=${node.attrs.shape}`);
    const out = spec.map((d, i) => (d === 0 ? x[i] : d));
    const total = x.reduce((a, b) => a * b, 1);
    const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const unknown = out.filter((d) => d === -1).length;
    if (unknown > 1 || (unknown === 1 && total % known !== 0) || (unknown === 0 && known !== total)) {
      throw new UnsupportedModelError(`Node ${node.name} (Reshape) cannot reshape ${shapeText(x)} to shape=${node.attrs.shape}.`);
    }
    return { shape: out.map((d) => (d === -1 ? total / known : d)) };
  },
  emit(ctx) {
    const shape = ctx.int64(`${ctx.output}_shape`, attrTuple(ctx.node, 'shape'));
    ctx.addNode('Reshape', [ctx.inputs[0], shape], [ctx.output]);
  },
};

/** SoftmaxActivation: `channel` = softmax over axis 1 at every position; `instance` (default) = over all but axis 0. */
const softmaxActivation: OpConverter = {
  infer(node, [x]) {
    const mode = attrString(node, 'mode', 'instance');
    if (mode !== 'channel' && mode !== 'instance') unsupported(node, `mode "${mode}"`);
    return { shape: x };
  },
  emit(ctx) {
    const mode = attrString(ctx.node, 'mode', 'instance');
    if (mode === 'channel' || ctx.inputShapes[0].length === 2) {
      ctx.addNode('Softmax', ctx.inputs, [ctx.output], [intAttr('axis', 1)]);
      return;
    }
    const base = ctx.output;
    const [shape, flat, soft] = [ctx.name(`${base}_in_shape`), ctx.name(`${base}_flat`), ctx.name(`${base}_softmax`)];
    ctx.addNode('Shape', ctx.inputs, [shape], [], shape);
    ctx.addNode('Flatten', ctx.inputs, [flat], [intAttr('axis', 1)], flat);
    ctx.addNode('Softmax', [flat], [soft], [intAttr('axis', 1)], soft);
    ctx.addNode('Reshape', [soft, shape], [ctx.output]);
  },
};

/** MXNet operators the converter handles, by name (aliases included). */
export const OPS: Readonly<Record<string, OpConverter>> = {
  Convolution: convolution,
  BatchNorm: batchNorm,
  Activation: activation,
  elemwise_add: add,
  _Plus: add,
  _plus: add,
  Concat: concat,
  Pooling: pooling,
  UpSampling: upSampling,
  Crop: crop,
  Reshape: reshape,
  SoftmaxActivation: softmaxActivation,
};

export const SUPPORTED_OPS = ['Convolution', 'BatchNorm', 'Activation', 'elemwise_add', 'Concat', 'Pooling', 'UpSampling', 'Crop', 'Reshape', 'SoftmaxActivation'];
