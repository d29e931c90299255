import { consumersOf, isGraphOutput, type OnnxGraph, type OnnxNode } from '../onnx/onnx-model.ts';

/** How many node inputs read each tensor (graph outputs not counted). */
export function useCounts(graph: OnnxGraph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i) counts.set(i, (counts.get(i) ?? 0) + 1);
  return counts;
}

/** A source of names unused anywhere in the graph (tensors, nodes, initializers): `base`, `base_2`, … */
export function nameSource(graph: OnnxGraph): (base: string) => string {
  const names = new Set([
    ...graph.initializers.map((t) => t.name),
    ...graph.inputs.map((v) => v.name),
    ...graph.nodes.flatMap((n) => [...n.inputs, ...n.outputs, n.name]),
  ]);
  return (base) => {
    let name = base;
    for (let k = 2; names.has(name); k++) name = `${base}_${k}`;
    names.add(name);
    return name;
  };
}

/** The single node reading `tensor`, when exactly one node reads it (once) and it is not a graph output. */
export function soleConsumer(graph: OnnxGraph, tensor: string): OnnxNode | undefined {
  const readers = consumersOf(graph, tensor);
  return readers.length === 1 && !isGraphOutput(graph, tensor) ? readers[0].node : undefined;
}
