// Synthetic faces for the tracking tests: a box and five landmarks placed like a real face's, moved and jittered
// by a seeded random source.
import type { Face } from '../../src/core/index.ts';

/** A deterministic uniform random source in [0, 1) (mulberry32, the one the synthetic weights use). */
export { uniformStream as seededRandom } from '../../src/convert/mxnet/synthetic.ts';

/** A standard normal sample (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Landmarks as fractions of the box: eyes, nose, mouth corners. */
const LANDMARKS: readonly [number, number][] = [
  [0.3, 0.4],
  [0.7, 0.4],
  [0.5, 0.6],
  [0.35, 0.8],
  [0.65, 0.8],
];

/** A face centred at (cx, cy), `size` px wide and 1.2 × size tall, every coordinate jittered by σ = `noise` px. */
export function syntheticFace(cx: number, cy: number, size: number, noise = 0, random: () => number = Math.random, score = 0.99): Face {
  const w = size;
  const h = 1.2 * size;
  const j = () => (noise ? noise * gaussian(random) : 0);
  const x1 = cx - w / 2 + j();
  const y1 = cy - h / 2 + j();
  const x2 = cx + w / 2 + j();
  const y2 = cy + h / 2 + j();
  const landmarks = LANDMARKS.map(([fx, fy]): [number, number] => [cx - w / 2 + fx * w + j(), cy - h / 2 + fy * h + j()]);
  return { box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score, landmarks };
}

export const boxCentre = (f: Face): [number, number] => [f.box.x + f.box.width / 2, f.box.y + f.box.height / 2];
