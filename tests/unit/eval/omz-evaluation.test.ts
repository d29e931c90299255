import { describe, expect, it } from 'vitest';
import { evaluateOmz, roundHalfEven, type GroundTruth, type ImagePredictions } from '../../../src/eval/index.ts';

// Worked examples of OpenVINO's accuracy-checker rule (src/eval/omz-evaluation.ts), computed by hand.
type Box = [x: number, y: number, w: number, h: number];

function truth(...images: [name: string, boxes: Box[]][]): GroundTruth {
  return {
    images: images.map(([name, boxes]) => {
      const none = new Uint32Array(0);
      return { event: 'e', name, boxes: Float64Array.from(boxes.flat()), keep: { easy: none, medium: none, hard: none }, invalid: new Uint8Array(boxes.length) };
    }),
  };
}
const predicted = (name: string, detections: [Box, number][]): ImagePredictions => ({
  event: 'e',
  name,
  boxes: Float64Array.from(detections.flatMap(([b]) => b)),
  scores: Float64Array.from(detections.map(([, s]) => s)),
});

describe('evaluateOmz: worked examples', () => {
  it('rounds like np.rint: half to even', () => {
    expect([2.5, 3.5, -2.5, -3.5, 0.49999999999999994, 1.5000000001, 7].map(roundHalfEven)).toEqual([2, 4, -2, -4, 0, 2, 7]);
  });

  it('faces count when 64 <= height < 1024 after clipping to [0, 1024]; width is not checked; empty boxes are ignored', () => {
    const r = evaluateOmz(
      [predicted('a', [])],
      truth(['a', [
        [0, 0, 10, 64], // counts: 64 px high, 10 px wide
        [0, 0, 100, 63], // too low
        [0, 1000, 100, 100], // y2 1100 clipped to 1024: 24 px high
        [0, 0, 100, 1024], // 1024 is outside [64, 1024)
        [0, -100, 100, 1124], // clipped to 0..1024: 1024 high again
        [1030, 0, 50, 100], // x clipped to 1024..1024: empty
        [0, 0, 200, 1023.5], // y2 rounds half to even: 1024 → outside
        [0, 0, 200, 64.5], // y2 64.5 rounds to 64 → counts
      ]]),
    );
    expect([r.faces, r.ignoredFaces]).toEqual([2, 6]);
    expect(r.ap).toBe(0); // no detection: the checker reports 0
  });

  it('IoU without +1: exactly 0.5 is a match (>=); 19/39 is not (the same pair is a WIDER match)', () => {
    const gt = truth(['a', [[0, 0, 30, 100]]]);
    // Corners x 0..30 and 10..40, 100 high: intersection 20 x 100, union 4000 → 0.5.
    expect(evaluateOmz([predicted('a', [[[10, 0, 30, 100], 0.9]])], gt).ap).toBe(1);
    // Face x 0..29, detection 10..39: 1900 / 3900. (WIDER's +1 makes it exactly 0.5, see wider-evaluation.test.ts.)
    expect(evaluateOmz([predicted('a', [[[10, 0, 29, 100], 0.9]])], truth(['a', [[0, 0, 29, 100]]])).ap).toBe(0);
  });

  it('detections of all images in one list by score; duplicates are false positives', () => {
    const gt = truth(['a', [[0, 0, 100, 100]]], ['b', [[0, 0, 100, 100]]]);
    // Order: a TP (0.9), b FP (0.8, nowhere), b TP (0.7), a duplicate FP (0.6).
    const r = evaluateOmz(
      [predicted('a', [[[0, 0, 100, 100], 0.9], [[2, 2, 100, 100], 0.6]]), predicted('b', [[[500, 500, 100, 100], 0.8], [[0, 0, 100, 100], 0.7]])],
      gt,
    );
    expect([...r.curve.recall]).toEqual([0.5, 0.5, 1, 1]);
    expect([...r.curve.precision]).toEqual([1, 0.5, 2 / 3, 0.5]);
    expect([r.truePositives, r.falsePositives]).toEqual([2, 2]);
    expect(r.ap).toBeCloseTo(0.5 + (0.5 * 2) / 3, 15);
  });

  it('a difficult face: its first detection is neither TP nor FP, a second one is a false positive', () => {
    const gt = truth(['a', [[0, 0, 100, 100], [300, 0, 100, 40]]]); // the second is 40 px high: difficult
    const r = evaluateOmz([predicted('a', [[[300, 0, 100, 40], 0.9], [[0, 0, 100, 100], 0.8], [[301, 0, 100, 40], 0.7]])], gt);
    expect([r.faces, r.ignoredFaces, r.truePositives, r.falsePositives]).toEqual([1, 1, 1, 1]);
    // After the ignored detection: 0 / max(0, eps) = 0 precision, recall 0.
    expect([...r.curve.precision]).toEqual([0, 1, 0.5]);
    expect(r.ap).toBe(1);
  });

  it('the best non-difficult face wins when its IoU is >= 0.5, else the detection falls back to the best difficult face', () => {
    // A (counted, 0..100 x 0..100) and D (difficult: 100 wide, 50 high) overlap the detection differently.
    const gt = truth(['a', [[0, 0, 100, 100], [0, 0, 100, 50]]]);
    // IoU 0.55 with A (intersection 100 x 55 / 100 x 100), 50/55 = 0.91 with D: A wins → true positive.
    expect(evaluateOmz([predicted('a', [[[0, 0, 100, 55], 0.9]])], gt).truePositives).toBe(1);
    // IoU 0.45 with A, 45/50 = 0.9 with D: falls back to D → ignored, neither TP nor FP.
    const fallback = evaluateOmz([predicted('a', [[[0, 0, 100, 45], 0.9]])], gt);
    expect([fallback.truePositives, fallback.falsePositives]).toEqual([0, 0]);
  });

  it('detections on an image without faces are false positives; images without predictions are left out unless images: all', () => {
    const gt = truth(['a', [[0, 0, 100, 100]]], ['empty', []], ['missed', [[0, 0, 100, 100]]]);
    const r = evaluateOmz([predicted('a', [[[0, 0, 100, 100], 0.9]]), predicted('empty', [[[0, 0, 100, 100], 0.95]])], gt);
    expect([r.truePositives, r.falsePositives, r.faces]).toEqual([1, 1, 1]);
    expect(r.images).toEqual({ evaluated: 2, groundTruth: 3, notInGroundTruth: [] });
    expect(r.ap).toBe(0.5); // FP first (0.95), then TP: recall 1 at precision 1/2
    const all = evaluateOmz([predicted('a', [[[0, 0, 100, 100], 0.9]])], gt, { images: 'all' });
    expect([all.faces, all.ap]).toEqual([2, 0.5]);
  });
});
