import { describe, expect, it } from 'vitest';
import { sortByScore } from '../../src/core/index.ts';

/** A seeded generator (mulberry32), so a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

describe('sortByScore', () => {
  it('orders as the comparator it replaces (score descending, ties by index), many sizes and tie rates', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = random(seed);
      const n = Math.floor(r() * (seed % 3 === 0 ? 2000 : 60));
      const levels = 1 + Math.floor(r() * 40); // few distinct scores: many ties
      const scores = Float32Array.from({ length: n }, () => Math.floor(r() * levels) / levels);
      const order = Int32Array.from({ length: n }, (_, i) => i);
      sortByScore(order, scores, 0, n - 1);
      const expected = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
      expect(order, `seed ${seed}`).toEqual(expected);
    }
  });

  it('sorts only the given range', () => {
    const scores = Float32Array.from([0.1, 0.9, 0.5, 0.7]);
    const order = Int32Array.from([0, 1, 2, 3, 99]);
    sortByScore(order, scores, 0, 3);
    expect([...order]).toEqual([1, 3, 2, 0, 99]);
    sortByScore(order, scores, 0, -1); // an empty range
    expect([...order]).toEqual([1, 3, 2, 0, 99]);
  });
});
