import { getInt, getInts, getTensorAttr, tensorFloats, tensorInts, DataType, type OnnxGraph, type OnnxNode, type OnnxTensor } from './onnx-model.ts';

/**
 * Static shapes of every tensor of an ONNX graph for one concrete input size, with the values of the small
 * integer tensors that shapes are computed from (Shape → Slice → Concat → Reshape chains). Covers the ops of
 * the RetinaFace, YuNet and common CNN exports; the first op it does not know stops the inference there.
 */
export interface InferredShapes {
  shapes: Map<string, number[]>;
  /** Values of integer tensors that are known statically. */
  values: Map<string, number[]>;
  /** The first node whose output shape could not be inferred, if any. */
  stoppedAt?: { node: OnnxNode; reason: string };
}

class InferenceStop extends Error {}

const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

function broadcast(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new InferenceStop(`cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function windowOut(node: OnnxNode, x: number[], kernel: number[], ceil: boolean): number[] {
  const spatial = x.length - 2;
  const strides = getInts(node, 'strides') ?? new Array(spatial).fill(1);
  const dilations = getInts(node, 'dilations') ?? new Array(spatial).fill(1);
  const autoPad = node.attributes.find((a) => a.name === 'auto_pad');
  const mode = autoPad?.type === 'string' ? autoPad.value : 'NOTSET';
  const pads = getInts(node, 'pads') ?? new Array(2 * spatial).fill(0);
  return x.slice(2).map((size, i) => {
    if (mode === 'SAME_UPPER' || mode === 'SAME_LOWER') return Math.ceil(size / strides[i]);
    const padded = mode === 'VALID' ? size : size + pads[i] + pads[i + spatial];
    const span = dilations[i] * (kernel[i] - 1) + 1;
    const round = ceil ? Math.ceil : Math.floor;
    return round((padded - span) / strides[i]) + 1;
  });
}

function constantValues(t: OnnxTensor): number[] | undefined {
  if (t.dataType !== DataType.INT64 && t.dataType !== DataType.INT32) return undefined;
  return prod(t.dims) <= 64 ? tensorInts(t) : undefined;
}

export function inferShapes(graph: OnnxGraph, inputs: Record<string, number[]>): InferredShapes {
  const shapes = new Map<string, number[]>();
  const values = new Map<string, number[]>();
  for (const t of graph.initializers) {
    shapes.set(t.name, t.dims);
    const v = constantValues(t);
    if (v) values.set(t.name, v);
  }
  for (const [name, shape] of Object.entries(inputs)) shapes.set(name, shape);

  const shapeOf = (name: string): number[] => {
    const s = shapes.get(name);
    if (!s) throw new InferenceStop(`the shape of ${name} is unknown`);
    return s;
  };
  const valuesOf = (name: string): number[] => {
    const v = values.get(name);
    if (!v) throw new InferenceStop(`the values of ${name} are not static`);
    return v;
  };
  const optional = (node: OnnxNode, i: number) => (node.inputs[i] ? node.inputs[i] : undefined);

  for (const node of graph.nodes) {
    try {
      const out = node.outputs[0];
      const x = () => shapeOf(node.inputs[0]);
      const set = (shape: number[], v?: number[]) => {
        shapes.set(out, shape);
        if (v) values.set(out, v);
      };
      switch (node.opType) {
        case 'Conv': {
          const w = shapeOf(node.inputs[1]);
          set([x()[0], w[0], ...windowOut(node, x(), getInts(node, 'kernel_shape') ?? w.slice(2), false)]);
          break;
        }
        case 'MaxPool':
        case 'AveragePool':
          set([x()[0], x()[1], ...windowOut(node, x(), getInts(node, 'kernel_shape') ?? [], getInt(node, 'ceil_mode', 0) === 1)]);
          break;
        case 'GlobalAveragePool':
        case 'GlobalMaxPool':
          set([...x().slice(0, 2), ...x().slice(2).map(() => 1)]);
          break;
        case 'BatchNormalization':
        case 'Relu':
        case 'LeakyRelu':
        case 'PRelu':
        case 'Sigmoid':
        case 'Tanh':
        case 'Softplus':
        case 'Softsign':
        case 'HardSigmoid':
        case 'HardSwish':
        case 'Elu':
        case 'Clip':
        case 'Softmax':
        case 'LogSoftmax':
        case 'Exp':
        case 'Log':
        case 'Sqrt':
        case 'Neg':
        case 'Abs':
        case 'Erf':
        case 'Dropout':
          set(x());
          break;
        case 'Identity':
        case 'Cast':
        case 'QuantizeLinear':
        case 'DequantizeLinear':
          set(x(), values.get(node.inputs[0]));
          break;
        case 'Add':
        case 'Sub':
        case 'Mul':
        case 'Div':
        case 'Max':
        case 'Min':
        case 'Pow': {
          const shape = broadcast(shapeOf(node.inputs[0]), shapeOf(node.inputs[1]));
          const a = values.get(node.inputs[0]);
          const b = values.get(node.inputs[1]);
          let v: number[] | undefined;
          if (a && b && shape.length <= 1) {
            const f: Record<string, (p: number, q: number) => number> = {
              Add: (p, q) => p + q,
              Sub: (p, q) => p - q,
              Mul: (p, q) => p * q,
              Div: (p, q) => Math.trunc(p / q),
              Max: Math.max,
              Min: Math.min,
              Pow: (p, q) => p ** q,
            };
            const n = prod(shape);
            v = Array.from({ length: n }, (_, i) => f[node.opType](a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]));
          }
          set(shape, v);
          break;
        }
        case 'Concat': {
          const all = node.inputs.map(shapeOf);
          const axis = normAxis(getInt(node, 'axis', 0), all[0].length);
          const shape = all[0].slice();
          shape[axis] = all.reduce((n, s) => n + s[axis], 0);
          const vs = node.inputs.map((n) => values.get(n));
          set(shape, all[0].length === 1 && vs.every(Boolean) ? vs.flat() as number[] : undefined);
          break;
        }
        case 'Split': {
          const s = x();
          const axis = normAxis(getInt(node, 'axis', 0), s.length);
          const sizes = optional(node, 1) ? valuesOf(node.inputs[1]) : (getInts(node, 'split') ?? new Array(node.outputs.length).fill(s[axis] / node.outputs.length));
          node.outputs.forEach((name, i) => shapes.set(name, s.map((d, k) => (k === axis ? sizes[i] : d))));
          break;
        }
        case 'Shape': {
          const s = x();
          const start = normAxis(getInt(node, 'start', 0), s.length);
          const endAttr = node.attributes.find((a) => a.name === 'end');
          const end = endAttr?.type === 'int' ? normAxis(endAttr.value, s.length) : s.length;
          const v = s.slice(start, end);
          set([v.length], v);
          break;
        }
        case 'Constant': {
          const t = getTensorAttr(node, 'value');
          const ints = getInts(node, 'value_ints');
          const int = node.attributes.find((a) => a.name === 'value_int');
          if (t) set(t.dims, constantValues(t));
          else if (ints) set([ints.length], ints);
          else if (int?.type === 'int') set([], [int.value]);
          else throw new InferenceStop('a Constant without a tensor value');
          break;
        }
        case 'ConstantOfShape': {
          set(valuesOf(node.inputs[0]));
          break;
        }
        case 'Gather': {
          const data = x();
          const indices = shapeOf(node.inputs[1]);
          const axis = normAxis(getInt(node, 'axis', 0), data.length);
          const shape = [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
          const dv = values.get(node.inputs[0]);
          const iv = values.get(node.inputs[1]);
          set(shape, dv && iv && data.length === 1 ? iv.map((i) => dv[normAxis(i, dv.length)]) : undefined);
          break;
        }
        case 'Unsqueeze': {
          const axes = getInts(node, 'axes') ?? valuesOf(node.inputs[1]);
          const rank = x().length + axes.length;
          const norm = axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
          const shape = x().slice();
          for (const a of norm) shape.splice(a, 0, 1);
          set(shape, values.get(node.inputs[0]));
          break;
        }
        case 'Squeeze': {
          const s = x();
          const axesIn = getInts(node, 'axes') ?? (optional(node, 1) ? valuesOf(node.inputs[1]) : undefined);
          const axes = new Set((axesIn ?? s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, s.length)));
          set(s.filter((_, i) => !axes.has(i)), values.get(node.inputs[0]));
          break;
        }
        case 'Slice': {
          const s = x();
          const starts = getInts(node, 'starts') ?? valuesOf(node.inputs[1]);
          const ends = getInts(node, 'ends') ?? valuesOf(node.inputs[2]);
          const axes = getInts(node, 'axes') ?? (optional(node, 3) ? valuesOf(node.inputs[3]) : starts.map((_, i) => i));
          const steps = optional(node, 4) ? valuesOf(node.inputs[4]) : starts.map(() => 1);
          const shape = s.slice();
          const ranges = s.map((d) => ({ start: 0, end: d, step: 1 }));
          axes.forEach((a0, i) => {
            const a = normAxis(a0, s.length);
            const d = s[a];
            const step = steps[i];
            const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
            let start = starts[i] < 0 ? starts[i] + d : starts[i];
            let end = ends[i] < 0 ? ends[i] + d : ends[i];
            start = step > 0 ? clamp(start, 0, d) : clamp(start, 0, d - 1);
            end = step > 0 ? clamp(end, 0, d) : clamp(end, -1, d - 1);
            shape[a] = Math.max(0, Math.ceil((end - start) / step));
            ranges[a] = { start, end, step };
          });
          const dv = values.get(node.inputs[0]);
          let v: number[] | undefined;
          if (dv && s.length === 1) {
            const { start, step } = ranges[0];
            v = Array.from({ length: shape[0] }, (_, i) => dv[start + i * step]);
          }
          set(shape, v);
          break;
        }
        case 'Reshape': {
          const s = x();
          const spec = valuesOf(node.inputs[1]);
          const allowZero = getInt(node, 'allowzero', 0) === 1;
          const shape = spec.map((d, i) => (d === 0 && !allowZero ? s[i] : d));
          const known = prod(shape.filter((d) => d !== -1));
          set(shape.map((d) => (d === -1 ? prod(s) / known : d)), values.get(node.inputs[0]));
          break;
        }
        case 'Flatten': {
          const s = x();
          const axis = normAxis(getInt(node, 'axis', 1), s.length);
          set([prod(s.slice(0, axis)), prod(s.slice(axis))]);
          break;
        }
        case 'Transpose': {
          const s = x();
          const perm = getInts(node, 'perm') ?? s.map((_, i) => s.length - 1 - i);
          set(perm.map((p) => s[p]));
          break;
        }
        case 'Resize':
        case 'Upsample': {
          const s = x();
          const sizes = optional(node, 3) ? values.get(node.inputs[3]) : undefined;
          if (sizes && sizes.length) {
            set(sizes);
            break;
          }
          const scalesName = node.opType === 'Upsample' ? node.inputs[1] : node.inputs[2];
          const scalesAttr = node.attributes.find((a) => a.name === 'scales');
          const scales = scalesAttr?.type === 'floats' ? scalesAttr.value : floatValues(graph, scalesName);
          if (!scales) throw new InferenceStop('the resize scales are not static');
          set(s.map((d, i) => Math.floor(d * scales[i])));
          break;
        }
        case 'MatMul': {
          const a = shapeOf(node.inputs[0]);
          const b = shapeOf(node.inputs[1]);
          set([...broadcast(a.slice(0, -2), b.slice(0, -2)), a[a.length - 2], b[b.length - 1]]);
          break;
        }
        case 'Gemm': {
          const a = shapeOf(node.inputs[0]);
          const b = shapeOf(node.inputs[1]);
          const m = getInt(node, 'transA', 0) ? a[1] : a[0];
          const n = getInt(node, 'transB', 0) ? b[0] : b[1];
          set([m, n]);
          break;
        }
        default:
          throw new InferenceStop(`the op ${node.opType} is not known to the shape inference`);
      }
    } catch (error) {
      if (!(error instanceof InferenceStop)) throw error;
      return { shapes, values, stoppedAt: { node, reason: error.message } };
    }
  }
  return { shapes, values };
}

/** Float values of a small initializer or Constant (Resize scales). */
function floatValues(graph: OnnxGraph, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const constant = graph.nodes.find((n) => n.opType === 'Constant' && n.outputs[0] === name);
  const t = graph.initializers.find((i) => i.name === name) ?? (constant ? getTensorAttr(constant, 'value') : undefined);
  return t && t.dataType === DataType.FLOAT ? Array.from(tensorFloats(t)) : undefined;
}
