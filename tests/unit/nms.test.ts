import { describe, expect, it } from 'vitest';
import { NmsScratch, nonMaxSuppression } from '../../src/core/index.ts';
import { referenceNms } from '../reference/reference-decoder.ts';

type Box = [number, number, number, number];

/** Runs the core NMS on boxes given best first; returns kept indices. */
function coreNms(boxes: Box[], iou = 0.4, maxKeep = Infinity): number[] {
  const flat = new Float32Array(boxes.flat());
  const order = Int32Array.from(boxes.map((_, i) => i));
  const keep = new Int32Array(boxes.length);
  const kept = nonMaxSuppression(flat, order, boxes.length, iou, maxKeep, keep, new NmsScratch());
  return Array.from(keep.subarray(0, kept));
}

const implementations: [string, (boxes: Box[]) => number[]][] = [
  ['core nonMaxSuppression', (b) => coreNms(b)],
  ['reference NMS', (b) => referenceNms(b.map((x) => x.map(Math.fround) as Box), 0.4)],
];

/** f32 value just above 3: 3 + 2^-22. */
const JUST_ABOVE_3 = 3 + 2 ** -22;

describe.each(implementations)('%s (spec §A.8, §B.6: +1, float32, keep IoU <= 0.4)', (_, nms) => {
  it('keeps a box whose IoU is exactly 0.4: [0,0,9,9] vs [0,0,3,9] → 40 / 100', () => {
    // +1 convention: areas 10·10 = 100 and 4·10 = 40, intersection 4·10 = 40, union 100.
    expect(nms([[0, 0, 9, 9], [0, 0, 3, 9]])).toEqual([0, 1]);
  });

  it('suppresses a box just over 0.4: [0,0,3.25,9] → 42.5 / 100', () => {
    expect(nms([[0, 0, 9, 9], [0, 0, 3.25, 9]])).toEqual([0]);
  });

  it('uses the +1 convention: [0,0,2,2] vs [1,0,3,2] is 6/12 = 0.5 (suppressed), not 2/6 without +1', () => {
    expect(nms([[0, 0, 2, 2], [1, 0, 3, 2]])).toEqual([0]);
  });

  it('boxes that only touch overlap by one pixel column (+1) and are kept', () => {
    expect(nms([[0, 0, 9, 9], [9, 0, 18, 9]])).toEqual([0, 1]);
  });

  it('computes in float32: x2 = 3 + 2^-22 gives width 4 in float32, so IoU is exactly 0.4 and the box is kept', () => {
    expect(Math.fround(JUST_ABOVE_3)).toBe(JUST_ABOVE_3);
    // In float64 the IoU would be 0.4000000024 > 0.4 and the box would be suppressed.
    expect(((JUST_ABOVE_3 + 1) * 10) / 100).toBeGreaterThan(0.4);
    expect(nms([[0, 0, 9, 9], [0, 0, JUST_ABOVE_3, 9]])).toEqual([0, 1]);
  });

  it('is greedy: a suppressed box suppresses nothing', () => {
    // 0 suppresses 1 (IoU 70/130); 1 would suppress 2 (IoU 70/130) but 2 overlaps 0 too little (IoU 40/160).
    const boxes: Box[] = [
      [0, 0, 9, 9],
      [3, 0, 12, 9],
      [6, 0, 15, 9],
    ];
    expect(nms(boxes)).toEqual([0, 2]);
  });

  it('keeps the first of identical boxes (order = priority)', () => {
    expect(nms([[5, 5, 20, 20], [5, 5, 20, 20], [5, 5, 20, 20]])).toEqual([0]);
  });
});

describe('core nonMaxSuppression options', () => {
  it('walks candidates in the given order and stops at maxKeep', () => {
    const boxes = new Float32Array([0, 0, 9, 9, 100, 100, 109, 109, 0, 0, 9, 9, 200, 200, 209, 209]);
    const keep = new Int32Array(4);
    // Priority order: 2, 0, 3, 1 → 2 kept, 0 suppressed by 2 (identical), 3 kept, 1 kept.
    const order = Int32Array.from([2, 0, 3, 1]);
    expect(nonMaxSuppression(boxes, order, 4, 0.4, Infinity, keep, new NmsScratch())).toBe(3);
    expect(Array.from(keep.subarray(0, 3))).toEqual([2, 3, 1]);
    expect(nonMaxSuppression(boxes, order, 4, 0.4, 2, keep, new NmsScratch())).toBe(2);
    expect(Array.from(keep.subarray(0, 2))).toEqual([2, 3]);
  });

  it('honours other IoU thresholds (0.5 keeps the 0.5 pair, 0.3 suppresses the 0.333 pair)', () => {
    expect(coreNms([[0, 0, 2, 2], [1, 0, 3, 2]], 0.5)).toEqual([0, 1]);
    // [0,0,9,9] vs [5,0,14,9]... IoU 50/150 = 0.333.
    expect(coreNms([[0, 0, 9, 9], [5, 0, 14, 9]], 0.3)).toEqual([0]);
    expect(coreNms([[0, 0, 9, 9], [5, 0, 14, 9]], 0.4)).toEqual([0, 1]);
  });

  it('reuses its scratch across calls of different sizes', () => {
    const scratch = new NmsScratch();
    const run = (boxes: Box[]) => {
      const keep = new Int32Array(boxes.length);
      const n = nonMaxSuppression(new Float32Array(boxes.flat()), Int32Array.from(boxes.map((_, i) => i)), boxes.length, 0.4, Infinity, keep, scratch);
      return Array.from(keep.subarray(0, n));
    };
    expect(run([[0, 0, 9, 9], [0, 0, 9, 9], [0, 0, 9, 9], [50, 50, 60, 60]])).toEqual([0, 3]);
    expect(run([[0, 0, 9, 9], [40, 40, 50, 50]])).toEqual([0, 1]);
  });
});
