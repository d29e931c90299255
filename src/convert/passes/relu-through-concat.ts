import { producerOf, type OnnxGraph, type OnnxNode } from '../onnx/onnx-model.ts';
import { nameSource, soleConsumer } from './graph-edit.ts';

/**
 * Moves every `Relu` that follows a `Concat` in front of it: Relu(Concat(a, b, …)) = Concat(Relu(a), Relu(b), …),
 * element for element, so the result is bit-identical. Each new Relu then directly follows the convolution that
 * made its input, where onnxruntime fuses it into the convolution (its Conv+activation fusion only looks at a
 * Conv's direct consumer); the standalone Relu over the joined tensor disappears. An input that already comes
 * out of a Relu is used as it is. Returns the number of Relus moved.
 */
export function moveReluBeforeConcat(graph: OnnxGraph): number {
  const fresh = nameSource(graph);
  let moved = 0;
  for (const relu of [...graph.nodes]) {
    if (relu.opType !== 'Relu') continue;
    const concat = producerOf(graph, relu.inputs[0]);
    if (!concat || concat.opType !== 'Concat' || soleConsumer(graph, concat.outputs[0]) !== relu) continue;
    const added: OnnxNode[] = [];
    concat.inputs = concat.inputs.map((input) => {
      if (producerOf(graph, input)?.opType === 'Relu') return input;
      const out = fresh(`${input}_relu`);
      added.push({ opType: 'Relu', name: out, inputs: [input], outputs: [out], attributes: [] });
      return out;
    });
    concat.outputs = [relu.outputs[0]];
    const at = graph.nodes.indexOf(concat);
    graph.nodes.splice(at, 0, ...added);
    graph.nodes.splice(graph.nodes.indexOf(relu), 1);
    moved++;
  }
  return moved;
}
