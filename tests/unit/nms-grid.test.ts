import { describe, expect, it } from 'vitest';
import { NmsScratch, nonMaxSuppression } from '../../src/core/nms.ts';

const f32 = Math.fround;

/** The textbook greedy loop (py_cpu_nms with +1 areas, float32), to hold the grid version to. */
function plainNms(boxes: Float32Array, order: Int32Array, count: number, t: number, maxKeep = Infinity): number[] {
  const area = (i: number) => f32(f32(f32(boxes[4 * i + 2] - boxes[4 * i]) + 1) * f32(f32(boxes[4 * i + 3] - boxes[4 * i + 1]) + 1));
  const suppressed = new Set<number>();
  const keep: number[] = [];
  for (let a = 0; a < count && keep.length < maxKeep; a++) {
    const i = order[a];
    if (suppressed.has(i)) continue;
    keep.push(i);
    for (let b = a + 1; b < count; b++) {
      const j = order[b];
      const w = Math.max(0, f32(f32(Math.min(boxes[4 * i + 2], boxes[4 * j + 2]) - Math.max(boxes[4 * i], boxes[4 * j])) + 1));
      const h = Math.max(0, f32(f32(Math.min(boxes[4 * i + 3], boxes[4 * j + 3]) - Math.max(boxes[4 * i + 1], boxes[4 * j + 1])) + 1));
      const inter = f32(w * h);
      if (f32(inter / f32(f32(area(i) + area(j)) - inter)) > f32(t)) suppressed.add(j);
    }
  }
  return keep;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Clustered boxes of many sizes (a crowd with duplicates), some far outside the image, some tiny. */
function crowd(seed: number, count: number): Float32Array {
  const r = random(seed);
  const boxes = new Float32Array(4 * count);
  const centres = Array.from({ length: Math.max(1, count >> 3) }, () => [r() * 1600 - 100, r() * 900 - 50, 4 + r() ** 3 * 500]);
  for (let i = 0; i < count; i++) {
    const [cx, cy, s] = centres[Math.floor(r() * centres.length)];
    const w = s * (0.6 + 0.8 * r());
    const h = w * (0.8 + 0.6 * r());
    const x1 = cx + (r() - 0.5) * s * 0.6;
    const y1 = cy + (r() - 0.5) * s * 0.6;
    boxes.set([x1, y1, x1 + w, y1 + h], 4 * i);
  }
  return boxes;
}

describe('nonMaxSuppression (grid-indexed)', () => {
  it('keeps exactly what the plain greedy loop keeps, on thousands of random crowds', () => {
    const scratch = new NmsScratch();
    for (let seed = 1; seed <= 300; seed++) {
      const count = 1 + (seed * 37) % 700;
      const boxes = crowd(seed, count);
      const order = Int32Array.from({ length: count }, (_, i) => i);
      const r = random(seed + 1000);
      order.sort(() => r() - 0.5);
      for (const t of [0, 0.3, 0.4, 0.9]) {
        const keep = new Int32Array(count);
        const maxKeep = seed % 5 === 0 ? 7 : Infinity;
        const kept = nonMaxSuppression(boxes, order, count, t, maxKeep, keep, scratch);
        expect(Array.from(keep.subarray(0, kept)), `seed ${seed}, threshold ${t}`).toEqual(plainNms(boxes, order, count, t, maxKeep));
      }
    }
  });

  it('treats boxes that only touch within one pixel as overlapping (+1 convention)', () => {
    // Inclusive pixels: [0,0,9,9] and [9,0,18,9] share column 9, IoU = 10 / (100 + 100 − 10) ≈ 0.0526;
    // [10,0,19,9] shares nothing with [0,0,9,9] and 9 columns with [9,0,18,9] (IoU 90 / 110).
    const boxes = new Float32Array([0, 0, 9, 9, 9, 0, 18, 9, 10, 0, 19, 9]);
    const order = Int32Array.from([0, 1, 2]);
    const keep = new Int32Array(3);
    expect(nonMaxSuppression(boxes, order, 3, 0.05, Infinity, keep, new NmsScratch())).toBe(2);
    expect(Array.from(keep.subarray(0, 2))).toEqual([0, 2]);
    expect(nonMaxSuppression(boxes, order, 3, 0.06, Infinity, keep, new NmsScratch())).toBe(2);
    expect(Array.from(keep.subarray(0, 2))).toEqual([0, 1]);
  });

  it('handles no candidates and maxKeep 1', () => {
    const keep = new Int32Array(2);
    expect(nonMaxSuppression(new Float32Array(0), new Int32Array(0), 0, 0.4, Infinity, keep, new NmsScratch())).toBe(0);
    const boxes = new Float32Array([0, 0, 10, 10, 100, 100, 110, 110]);
    expect(nonMaxSuppression(boxes, Int32Array.from([1, 0]), 2, 0.4, 1, keep, new NmsScratch())).toBe(1);
    expect(keep[0]).toBe(1);
  });
});
