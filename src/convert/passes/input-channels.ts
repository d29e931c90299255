import {
  consumersOf,
  floatTensor,
  getInt,
  initializerMap,
  int64Tensor,
  intAttr,
  isGraphOutput,
  tensorFloats,
  type OnnxGraph,
  type OnnxTensor,
} from '../onnx/onnx-model.ts';

/** Ops that work per channel and pass the channel order through unchanged (after their per-channel weights are reordered). */
const PER_CHANNEL_UNARY = new Set(['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Clip', 'Identity']);

/** Reverses axis 1 of a tensor with dims [O, I, ...]. */
function reverseAxis1(t: OnnxTensor): OnnxTensor {
  const src = tensorFloats(t);
  const [o, i] = t.dims;
  const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float32Array(src.length);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      const from = (a * i + b) * inner;
      const to = (a * i + (i - 1 - b)) * inner;
      out.set(src.subarray(from, from + inner), to);
    }
  }
  return floatTensor(t.name, t.dims, out);
}

const reverseVector = (t: OnnxTensor): OnnxTensor => floatTensor(t.name, t.dims, tensorFloats(t).slice().reverse());

/**
 * Makes the model take its input with the channel order reversed (BGR instead of RGB), as OpenVINO's
 * `--reverse_input_channels` does: the reversal is moved into the weights where the input first meets them —
 * the input channels of the first convolutions, and the per-channel parameters of any BatchNormalization
 * (and the unary ops) in between, e.g. R50's `bn_data`. The result is exact (weights are only permuted).
 * Where that is impossible (another op reads the input), a `Gather` reversing axis 1 is inserted instead.
 * Returns how it was done.
 */
export function reverseInputChannels(graph: OnnxGraph, input: string, channels = 3): 'weights' | 'gather' {
  const inits = initializerMap(graph);
  const useCount = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) useCount.set(i, (useCount.get(i) ?? 0) + 1);
  const owned = (name: string) => inits.has(name) && useCount.get(name) === 1;
  const edits = new Map<string, OnnxTensor>();

  const walk = (tensor: string): boolean => {
    if (isGraphOutput(graph, tensor)) return false;
    for (const { node, index } of consumersOf(graph, tensor)) {
      if (index !== 0) return false;
      if (node.opType === 'Conv') {
        const w = inits.get(node.inputs[1]);
        if (!w || !owned(w.name) || getInt(node, 'group', 1) !== 1 || w.dims[1] !== channels) return false;
        edits.set(w.name, reverseAxis1(w));
      } else if (node.opType === 'BatchNormalization') {
        const params = node.inputs.slice(1, 5).map((n) => inits.get(n));
        if (params.some((p) => !p || !owned(p.name) || p.dims.length !== 1 || p.dims[0] !== channels)) return false;
        for (const p of params as OnnxTensor[]) edits.set(p.name, reverseVector(p));
        if (!walk(node.outputs[0])) return false;
      } else if (PER_CHANNEL_UNARY.has(node.opType) && node.inputs.length === 1) {
        if (!walk(node.outputs[0])) return false;
      } else {
        return false;
      }
    }
    return true;
  };

  if (walk(input)) {
    graph.initializers = graph.initializers.map((t) => edits.get(t.name) ?? t);
    return 'weights';
  }
  const reversed = `${input}_reversed_channels`;
  const indices = int64Tensor(`${input}_channel_indices`, Array.from({ length: channels }, (_, i) => channels - 1 - i));
  for (const node of graph.nodes) node.inputs = node.inputs.map((n) => (n === input ? reversed : n));
  graph.initializers.push(indices);
  graph.nodes.unshift({ opType: 'Gather', name: reversed, inputs: [input, indices.name], outputs: [reversed], attributes: [intAttr('axis', 1)] });
  return 'gather';
}
