import { attrNumber, type MxNode, type MxSymbol } from './mxnet-symbol.ts';
import { isVariable, type MxnetShapes } from './mxnet-shapes.ts';

/**
 * Deterministic random weights for a symbol without its params: the real topology and cost, for timing only.
 *
 * Values are uniform (only integer arithmetic and one multiply per value, so the same seed gives the same bytes
 * on every platform). To keep activations finite and of order one through any depth, the first two moments of
 * every tensor (averaged over channels and positions, treating the weights as random) are tracked through the
 * graph, and each BatchNorm's moving mean/var are set to the moments of its input, so it normalizes:
 * - convolutions: He-scaled weights (variance 2 / fan-in), zero bias;
 * - the face score convolutions (those feeding a Reshape → SoftmaxActivation): logits of planned standard
 *   deviation 0.5 and a bias of +2.5 for background and −2.5 for face, so face scores are mostly near 0.007;
 * - the box and landmark convolutions (graph outputs): deltas of planned standard deviation 0.1.
 * (The plan treats channels as alike; real activations vary more, so outputs spread about twice as much as
 * planned: R50 at 640x640 on random pixels gives a mean face score near 0.02 and none of 16,800 above 0.5.)
 * The input is taken as raw pixels, uniform on 0..255.
 */

interface Moments {
  /** E[x] */
  m1: number;
  /** E[x²] */
  m2: number;
}

const PIXELS: Moments = { m1: 127.5, m2: (255 * 255) / 3 };

/** FNV-1a of the seed and a name: an independent stream per parameter, whatever the traversal order. */
function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: values uniform on [0, 1). */
export function uniformStream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` values uniform with mean 0 and standard deviation `std`. */
function uniformValues(count: number, std: number, seed: number): Float32Array {
  const next = uniformStream(seed);
  const half = std * Math.sqrt(3);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * next() - 1) * half;
  return out;
}

// Standard normal pdf and cdf (Abramowitz–Stegun 7.1.26 for erf; plenty for moment estimates).
const pdf = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
function cdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Moments of max(0, X) for X normal with the given moments. */
function relu({ m1, m2 }: Moments): Moments {
  const sigma = Math.sqrt(Math.max(m2 - m1 * m1, 1e-12));
  const z = m1 / sigma;
  return { m1: m1 * cdf(z) + sigma * pdf(z), m2: m2 * cdf(z) + m1 * sigma * pdf(z) };
}

export const SYNTHETIC_FACE_BIAS = -2.5;

/** Generates every parameter of the symbol; returns them by variable name. */
export function syntheticWeights(symbol: MxSymbol, inferred: MxnetShapes, seed: number): Map<string, Float32Array> {
  const { nodes } = symbol;
  const out = new Map<string, Float32Array>();
  const moments: Moments[] = new Array(nodes.length);
  moments[inferred.input.index] = PIXELS;
  const heads = new Set(symbol.heads);
  const consumers = new Map<number, MxNode[]>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const feedsSoftmax = (node: MxNode): boolean =>
    (consumers.get(node.index) ?? []).some(
      (c) => c.op === 'SoftmaxActivation' || (c.op === 'Reshape' && (consumers.get(c.index) ?? []).some((d) => d.op === 'SoftmaxActivation')),
    );
  const channelsOf = (i: number) => inferred.shapes[i]![1];
  const param = (node: MxNode, k: number) => nodes[node.inputs[k]].name;
  const values = (node: MxNode, k: number, make: (count: number, name: string) => Float32Array) => {
    const name = param(node, k);
    const use = inferred.params.get(node.inputs[k])!;
    const count = use.shape.reduce((a, b) => a * b, 1);
    out.set(name, make(count, name));
  };

  for (const node of nodes) {
    if (isVariable(node)) continue;
    const input = moments[node.inputs[0]];
    let result: Moments;
    switch (node.op) {
      case 'Convolution': {
        const [, perGroup, kh, kw] = inferred.params.get(node.inputs[1])!.shape;
        const fanIn = perGroup * kh * kw;
        const cls = feedsSoftmax(node);
        // Output second moment: fanIn · var(w) · E[x²] (+ bias²).
        const variance = cls ? 0.25 / (fanIn * input.m2) : heads.has(node.index) ? 0.01 / (fanIn * input.m2) : 2 / fanIn;
        values(node, 1, (count, name) => uniformValues(count, Math.sqrt(variance), streamSeed(seed, name)));
        let biasM2 = 0;
        if (node.inputs.length > 2) {
          values(node, 2, (count) => {
            const b = new Float32Array(count);
            if (cls) b.fill(-SYNTHETIC_FACE_BIAS, 0, count / 2).fill(SYNTHETIC_FACE_BIAS, count / 2);
            return b;
          });
          if (cls) biasM2 = SYNTHETIC_FACE_BIAS ** 2;
        }
        result = { m1: 0, m2: fanIn * variance * input.m2 + biasM2 };
        break;
      }
      case 'BatchNorm': {
        const c = channelsOf(node.inputs[0]);
        const eps = attrNumber(node, 'eps', 1e-3);
        const variance = Math.max(input.m2 - input.m1 * input.m1, 1e-6);
        values(node, 1, () => new Float32Array(c).fill(1));
        values(node, 2, () => new Float32Array(c));
        values(node, 3, () => new Float32Array(c).fill(input.m1));
        values(node, 4, () => new Float32Array(c).fill(variance));
        result = { m1: 0, m2: variance / (variance + eps) };
        break;
      }
      case 'Activation':
        result = relu(input);
        break;
      case 'elemwise_add':
      case '_Plus':
      case '_plus': {
        const b = moments[node.inputs[1]];
        result = { m1: input.m1 + b.m1, m2: input.m2 + b.m2 + 2 * input.m1 * b.m1 };
        break;
      }
      case 'Concat': {
        const total = node.inputs.reduce((n, i) => n + channelsOf(i), 0);
        result = node.inputs.reduce(
          (acc, i) => ({ m1: acc.m1 + (moments[i].m1 * channelsOf(i)) / total, m2: acc.m2 + (moments[i].m2 * channelsOf(i)) / total }),
          { m1: 0, m2: 0 },
        );
        break;
      }
      default:
        // Pooling, UpSampling, Crop, Reshape, SoftmaxActivation: moments roughly unchanged.
        result = input;
    }
    moments[node.index] = result;
  }
  return out;
}
