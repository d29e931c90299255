import { floatTensor, getInt, initializerMap, producerOf, tensorFloats, tensorInts, type OnnxGraph, type OnnxNode } from '../onnx/onnx-model.ts';
import { nameSource, soleConsumer, useCounts } from './graph-edit.ts';

const shapeIs = (graph: OnnxGraph, node: OnnxNode, expected: number[]): boolean => {
  const t = graph.initializers.find((i) => i.name === node.inputs[1]);
  return !!t && tensorInts(t).join() === expected.join();
};

/**
 * Replaces insightface's two-class softmax over anchor pairs with a sigmoid. The score head is a convolution with
 * 2A channels (A background, then A face), then Reshape [0,2,-1,0] → Softmax(axis 1) → Reshape [0,2A,-1,0]: the
 * softmax of channel c against channel c ± A. For two classes softmax(x)_c = sigmoid(x_c − x_other), and
 * x_c − x_other is itself a convolution, with weights W_c − W_other and bias b_c − b_other (computed in float64,
 * stored as float32). So the head becomes Conv → Sigmoid (which onnxruntime fuses into the convolution) with the
 * output's name and layout unchanged: the two reshapes, the softmax and its internal transposes go. Scores move
 * by float rounding only (the logit difference is summed once instead of twice; about 1e-7). Needs opset 13 or
 * later (an older Softmax with axis 1 would normalize over everything after axis 0). Returns the heads replaced.
 */
export function pairSoftmaxToSigmoid(graph: OnnxGraph, opset: number): number {
  if (opset < 13) return 0;
  const inits = initializerMap(graph);
  const uses = useCounts(graph);
  const fresh = nameSource(graph);
  let replaced = 0;
  for (const softmax of [...graph.nodes]) {
    if (softmax.opType !== 'Softmax' || getInt(softmax, 'axis', -1) !== 1) continue;
    const before = producerOf(graph, softmax.inputs[0]);
    const conv = before?.opType === 'Reshape' ? producerOf(graph, before.inputs[0]) : undefined;
    const after = soleConsumer(graph, softmax.outputs[0]);
    if (!before || !conv || conv.opType !== 'Conv' || after?.opType !== 'Reshape') continue;
    if (soleConsumer(graph, before.outputs[0]) !== softmax || soleConsumer(graph, conv.outputs[0]) !== before) continue;
    const weight = inits.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? inits.get(conv.inputs[2]) : undefined;
    if (!weight || uses.get(weight.name) !== 1 || (conv.inputs[2] && (!bias || uses.get(bias.name) !== 1))) continue;
    const channels = weight.dims[0];
    if (channels % 2 !== 0 || !shapeIs(graph, before, [0, 2, -1, 0]) || !shapeIs(graph, after, [0, channels, -1, 0])) continue;

    const half = channels / 2;
    const w = tensorFloats(weight);
    const b = bias ? tensorFloats(bias) : new Float32Array(channels);
    const per = w.length / channels;
    const newW = new Float32Array(w.length);
    const newB = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const other = (c + half) % channels;
      for (let k = 0; k < per; k++) newW[c * per + k] = w[c * per + k] - w[other * per + k];
      newB[c] = b[c] - b[other];
    }
    inits.set(weight.name, floatTensor(weight.name, weight.dims, newW));
    const biasName = bias?.name ?? fresh(`${conv.name || conv.outputs[0]}_bias`);
    inits.set(biasName, floatTensor(biasName, [channels], newB));
    if (!bias) conv.inputs = [conv.inputs[0], conv.inputs[1], biasName];

    const logits = conv.outputs[0];
    const sigmoid: OnnxNode = { opType: 'Sigmoid', name: after.name || after.outputs[0], inputs: [logits], outputs: [after.outputs[0]], attributes: [] };
    graph.nodes.splice(graph.nodes.indexOf(after), 1, sigmoid);
    graph.nodes = graph.nodes.filter((n) => n !== before && n !== softmax);
    replaced++;
  }
  const known = new Set(graph.initializers.map((t) => t.name));
  graph.initializers = [...graph.initializers.map((t) => inits.get(t.name) ?? t), ...[...inits.values()].filter((t) => !known.has(t.name))];
  return replaced;
}
