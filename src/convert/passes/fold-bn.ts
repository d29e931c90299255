import {
  consumersOf,
  floatTensor,
  getFloat,
  initializerMap,
  isGraphOutput,
  producerOf,
  tensorFloats,
  type OnnxGraph,
  type OnnxNode,
} from '../onnx/onnx-model.ts';

/**
 * Folds every BatchNormalization that directly follows a convolution into it (the convolution's output read by
 * nothing else): with s = gamma / sqrt(var + eps), W' = W · s per output channel and b' = (b − mean) · s + beta.
 * Computed in float64, stored as float32. BatchNorms elsewhere (ResNet's pre-activation ones, after an addition
 * or a pooling) stay. Returns the number folded.
 */
export function foldBatchNorms(graph: OnnxGraph): number {
  const inits = initializerMap(graph);
  const useCount = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) useCount.set(i, (useCount.get(i) ?? 0) + 1);
  const names = new Set([...inits.keys(), ...graph.nodes.flatMap((n) => [...n.inputs, ...n.outputs, n.name])]);
  const freshName = (base: string) => {
    let name = base;
    for (let k = 2; names.has(name); k++) name = `${base}_${k}`;
    names.add(name);
    return name;
  };
  const removed = new Set<OnnxNode>();
  let folded = 0;

  for (const bn of graph.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.outputs.length !== 1) continue;
    const conv = producerOf(graph, bn.inputs[0]);
    if (!conv || conv.opType !== 'Conv' || consumersOf(graph, bn.inputs[0]).length !== 1 || isGraphOutput(graph, bn.inputs[0])) continue;
    const weight = inits.get(conv.inputs[1]);
    const bias = conv.inputs[2] ? inits.get(conv.inputs[2]) : undefined;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((n) => inits.get(n));
    if (!weight || (conv.inputs[2] && !bias) || !gamma || !beta || !mean || !variance) continue;
    if (useCount.get(weight.name) !== 1 || (bias && useCount.get(bias.name) !== 1)) continue;

    const eps = getFloat(bn, 'epsilon', 1e-5);
    const w = tensorFloats(weight);
    const [g, b, m, v] = [gamma, beta, mean, variance].map(tensorFloats);
    const b0 = bias ? tensorFloats(bias) : undefined;
    const out = weight.dims[0];
    const per = w.length / out;
    const newW = new Float32Array(w.length);
    const newB = new Float32Array(out);
    for (let c = 0; c < out; c++) {
      const s = g[c] / Math.sqrt(v[c] + Math.fround(eps));
      for (let k = c * per; k < (c + 1) * per; k++) newW[k] = w[k] * s;
      newB[c] = ((b0 ? b0[c] : 0) - m[c]) * s + b[c];
    }
    const biasName = bias?.name ?? freshName(`${conv.name || conv.outputs[0]}_bias`);
    inits.set(weight.name, floatTensor(weight.name, weight.dims, newW));
    inits.set(biasName, floatTensor(biasName, [out], newB));
    if (!bias) {
      conv.inputs = [conv.inputs[0], conv.inputs[1], biasName];
      graph.initializers.push(inits.get(biasName)!);
    }
    conv.outputs = [bn.outputs[0]];
    removed.add(bn);
    folded++;
  }

  graph.nodes = graph.nodes.filter((n) => !removed.has(n));
  graph.initializers = graph.initializers.map((t) => inits.get(t.name) ?? t);
  pruneInitializers(graph);
  return folded;
}

/** Drops initializers no node reads. */
export function pruneInitializers(graph: OnnxGraph): void {
  const used = new Set(graph.nodes.flatMap((n) => n.inputs));
  graph.initializers = graph.initializers.filter((t) => used.has(t.name));
}
