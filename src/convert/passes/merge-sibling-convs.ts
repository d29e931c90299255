import {
  consumersOf,
  floatTensor,
  getInt,
  initializerMap,
  int64Tensor,
  intAttr,
  intsAttr,
  tensorFloats,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
} from '../onnx/onnx-model.ts';
import { nameSource, soleConsumer, useCounts } from './graph-edit.ts';

interface Member {
  conv: OnnxNode;
  weight: OnnxTensor;
  bias?: OnnxTensor;
  /** The activation that is the convolution's only consumer, if any. */
  activation?: OnnxNode;
}

/** Activations onnxruntime fuses into a convolution (with their attributes, e.g. LeakyRelu's alpha). */
const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh']);

const attributeKey = (attributes: OnnxAttribute[]) =>
  JSON.stringify([...attributes].sort((a, b) => (a.name < b.name ? -1 : 1)).map((a) => [a.name, a.value]));

/**
 * Merges the convolutions that read the same tensor with the same geometry (kernel, strides, pads, dilations; no
 * groups) and the same activation (a Relu, LeakyRelu, Sigmoid or Tanh as their only consumer, or none) into one
 * convolution with all their filters, followed by that activation and a `Split` back into the original outputs.
 * The input is then unfolded (im2col) once instead of once per convolution, and one larger matrix product
 * replaces several thin ones: in RetinaFace's context modules (3x3 convolutions with 32 and 16 filters on one
 * input) and heads (1x1 convolutions with 8 and 20 filters). Every output channel is the same dot product as
 * before. Returns the number of convolutions removed. `opset` decides how `Split` gets its sizes (an input from
 * opset 13, an attribute before).
 */
export function mergeSiblingConvs(graph: OnnxGraph, opset: number): number {
  const inits = initializerMap(graph);
  const uses = useCounts(graph);
  const fresh = nameSource(graph);
  const owned = (name: string | undefined) => (name ? inits.get(name) : undefined) && uses.get(name!) === 1;
  let removed = 0;

  const tensors = new Set(graph.nodes.filter((n) => n.opType === 'Conv').map((n) => n.inputs[0]));
  for (const tensor of tensors) {
    const groups = new Map<string, Member[]>();
    for (const { node: conv, index } of consumersOf(graph, tensor)) {
      if (conv.opType !== 'Conv' || index !== 0 || conv.outputs.length !== 1 || getInt(conv, 'group', 1) !== 1) continue;
      if (!owned(conv.inputs[1]) || (conv.inputs[2] && !owned(conv.inputs[2]))) continue;
      const weight = inits.get(conv.inputs[1])!;
      const next = soleConsumer(graph, conv.outputs[0]);
      const activation = next && ACTIVATIONS.has(next.opType) && next.inputs.length === 1 ? next : undefined;
      const act = activation ? `${activation.opType}${attributeKey(activation.attributes)}` : '';
      const key = `${attributeKey(conv.attributes)}|${weight.dims.slice(1).join(',')}|${act}`;
      const member: Member = { conv, weight, bias: conv.inputs[2] ? inits.get(conv.inputs[2]) : undefined, activation };
      groups.set(key, [...(groups.get(key) ?? []), member]);
    }
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      const first = members[0];
      const per = tensorFloats(first.weight).length / first.weight.dims[0];
      const filters = members.map((m) => m.weight.dims[0]);
      const total = filters.reduce((a, b) => a + b, 0);
      const weights = new Float32Array(total * per);
      const biases = new Float32Array(total);
      let at = 0;
      for (const m of members) {
        weights.set(tensorFloats(m.weight), at * per);
        if (m.bias) biases.set(tensorFloats(m.bias), at);
        at += m.weight.dims[0];
      }
      const base = fresh(`${first.conv.name || first.conv.outputs[0]}_merged`);
      const w = floatTensor(fresh(`${base}_weight`), [total, ...first.weight.dims.slice(1)], weights);
      const b = floatTensor(fresh(`${base}_bias`), [total], biases);
      const sizes = int64Tensor(fresh(`${base}_split`), filters);
      const convOut = fresh(base);
      const nodes: OnnxNode[] = [{ opType: 'Conv', name: base, inputs: [tensor, w.name, b.name], outputs: [convOut], attributes: first.conv.attributes }];
      let splitIn = convOut;
      if (first.activation) {
        const { opType, attributes } = first.activation;
        splitIn = fresh(`${base}_${opType.toLowerCase()}`);
        nodes.push({ opType, name: splitIn, inputs: [convOut], outputs: [splitIn], attributes });
      }
      const outputs = members.map((m) => (m.activation ?? m.conv).outputs[0]);
      const split =
        opset >= 13
          ? { inputs: [splitIn, sizes.name], attributes: [intAttr('axis', 1)] }
          : { inputs: [splitIn], attributes: [intAttr('axis', 1), intsAttr('split', filters)] };
      nodes.push({ opType: 'Split', name: fresh(`${base}_split`), outputs, ...split });

      const gone = new Set<OnnxNode>(members.flatMap((m) => (m.activation ? [m.conv, m.activation] : [m.conv])));
      const position = Math.min(...members.map((m) => graph.nodes.indexOf(m.conv)));
      graph.nodes.splice(position, 0, ...nodes);
      graph.nodes = graph.nodes.filter((n) => !gone.has(n));
      for (const m of members) {
        inits.delete(m.weight.name);
        if (m.bias) inits.delete(m.bias.name);
      }
      for (const t of opset >= 13 ? [w, b, sizes] : [w, b]) inits.set(t.name, t);
      removed += members.length - 1;
    }
  }
  const kept = new Set(inits.keys());
  const known = new Set(graph.initializers);
  graph.initializers = [...graph.initializers.filter((t) => kept.has(t.name)), ...[...inits.values()].filter((t) => !known.has(t))];
  return removed;
}
