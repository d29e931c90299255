import { describe, expect, it } from 'vitest';
import {
  biubug6LevelShapes,
  biubug6Levels,
  generateBiubug6Priors,
  generateInsightFaceAnchors,
  insightFaceLevels,
} from '../../src/core/index.ts';
import { referenceBiubug6Priors, referenceInsightFaceAnchors } from '../reference/reference-decoder.ts';
import { expectSameValues } from '../support/arrays.ts';

const anchorAt = (anchors: Float32Array, n: number) => Array.from(anchors.subarray(4 * n, 4 * n + 4));
const shapesFor = (width: number, height: number) =>
  [32, 16, 8].map((s) => ({ height: Math.ceil(height / s), width: Math.ceil(width / s) }));

describe('insightface anchors (spec §A.4)', () => {
  const anchors = generateInsightFaceAnchors(insightFaceLevels(), shapesFor(640, 640));

  it('has 16800 anchors at 640x640', () => {
    expect(anchors.length).toBe(16800 * 4);
  });

  it.each([
    [0, [-248, -248, 263, 263]],
    [1, [-120, -120, 135, 135]],
    [2, [-216, -248, 295, 263]],
    [3, [-88, -120, 167, 135]],
    [4, [-184, -248, 327, 263]],
    [5, [-56, -120, 199, 135]],
    [40, [-248, -216, 263, 295]],
    [799, [488, 488, 743, 743]],
  ])('stride 32, n=%i is the table value', (n, expected) => {
    expect(anchorAt(anchors, n)).toEqual(expected);
  });

  it('stride 16 starts at n=800 and stride 8 at n=4000 with the base anchors', () => {
    expect(anchorAt(anchors, 800)).toEqual([-56, -56, 71, 71]);
    expect(anchorAt(anchors, 801)).toEqual([-24, -24, 39, 39]);
    const s8 = 800 + 3200;
    expect([0, 1, 2, 3].map((k) => anchorAt(anchors, s8 + k))).toEqual([
      [-8, -8, 23, 23],
      [0, 0, 15, 15],
      [0, -8, 31, 23],
      [8, 0, 23, 15],
    ]);
    expect(anchorAt(anchors, 16799)).toEqual([632, 632, 647, 647]);
  });

  it('centres every anchor at (7.5 + j·s, 7.5 + i·s), not ((j + 0.5)·s)', () => {
    const levels = [
      { offset: 0, s: 32, w: 20, sizes: [512, 256] },
      { offset: 800, s: 16, w: 40, sizes: [128, 64] },
      { offset: 4000, s: 8, w: 80, sizes: [32, 16] },
    ];
    for (const { offset, s, w, sizes } of levels) {
      for (const [i, j] of [[0, 0], [3, 7], [w - 1, w - 1]]) {
        for (let a = 0; a < 2; a++) {
          const [x1, y1, x2, y2] = anchorAt(anchors, offset + (i * w + j) * 2 + a);
          expect([(x1 + x2) / 2, (y1 + y2) / 2]).toEqual([7.5 + j * s, 7.5 + i * s]);
          expect([x2 - x1 + 1, y2 - y1 + 1]).toEqual([sizes[a], sizes[a]]);
        }
      }
    }
  });

  it('uses the feature-map sizes it is given (H480 x W640 → 15x20, 30x40, 60x80)', () => {
    const a = generateInsightFaceAnchors(insightFaceLevels(), shapesFor(640, 480));
    expect(a.length / 4).toBe(2 * (300 + 1200 + 4800));
    // Row 1 of stride 32 starts after 20 cells = 40 anchors.
    expect(anchorAt(a, 40)).toEqual([-248, -216, 263, 295]);
  });

  it.each([
    [640, 640],
    [640, 480],
    [1024, 800],
    [96, 1792],
  ])('equals the plain reference at %ix%i', (w, h) => {
    const shapes = shapesFor(w, h);
    const ours = generateInsightFaceAnchors(insightFaceLevels(), shapes);
    const ref = referenceInsightFaceAnchors(shapes.map((s) => ({ h: s.height, w: s.width })));
    expectSameValues(ours, ref, 'anchor coordinate');
  });
});

describe('biubug6 priors (spec §B.4)', () => {
  const priors = generateBiubug6Priors(biubug6Levels(), 640, 640);
  const f = Math.fround;

  it('has 16800 priors at 640x640', () => {
    expect(priors.length).toBe(16800 * 4);
  });

  it.each([
    [0, [0.00625, 0.00625, 0.025, 0.025]],
    [1, [0.00625, 0.00625, 0.05, 0.05]],
    [2, [0.01875, 0.00625, 0.025, 0.025]],
    [3, [0.01875, 0.00625, 0.05, 0.05]],
    [12800, [0.0125, 0.0125, 0.1, 0.1]],
    [12801, [0.0125, 0.0125, 0.2, 0.2]],
    [16000, [0.025, 0.025, 0.4, 0.4]],
    [16001, [0.025, 0.025, 0.8, 0.8]],
    [16002, [0.075, 0.025, 0.4, 0.4]],
    [16003, [0.075, 0.025, 0.8, 0.8]],
  ])('n=%i is the table value, stored as float32', (n, expected) => {
    expect(anchorAt(priors, n)).toEqual(expected.map(f));
  });

  it('stores float32 values (0.00625 is 0.0062500000931…)', () => {
    expect(priors[0]).not.toBe(0.00625);
    expect(priors[0]).toBe(Math.fround(0.00625));
    expect(priors[0].toPrecision(12)).toBe('0.00625000009313');
  });

  it('the last prior is the bottom-right stride-32 cell, 512 px', () => {
    expect(anchorAt(priors, 16799)).toEqual([f(624 / 640), f(624 / 640), f(0.8), f(0.8)]);
  });

  it('sizes the maps with ceil(H/s), not rint (H=500 → 63, 32, 16 rows)', () => {
    const shapes = biubug6LevelShapes(biubug6Levels(), 640, 500);
    expect(shapes.map((s) => s.height)).toEqual([63, 32, 16]);
    const p = generateBiubug6Priors(biubug6Levels(), 640, 500);
    expect(p.length / 4).toBe(2 * (63 * 80 + 32 * 40 + 16 * 20));
    // Normalised by the non-square input: x by 640, y by 500.
    expect(anchorAt(p, 0)).toEqual([f(4 / 640), f(4 / 500), f(16 / 640), f(16 / 500)]);
  });

  it.each([
    [640, 640],
    [640, 480],
    [1024, 800],
    [100, 500],
  ])('equals the plain reference at %ix%i', (w, h) => {
    expectSameValues(generateBiubug6Priors(biubug6Levels(), w, h), referenceBiubug6Priors(w, h), 'prior value');
  });
});
