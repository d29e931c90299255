import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NmsScratch, nonMaxSuppression } from '../../src/core/index.ts';
import { referenceNmsBoxes } from '../reference/reference-yunet.ts';

/**
 * Real OpenCV's `cv2.dnn.NMSBoxes` (Debian python3-opencv 4.6.0; `NMSFast_` + `rectOverlap` on integer boxes), run by
 * `/usr/bin/python3 tests/support/opencv-yunet.py nms`, frozen in tests/fixtures/opencv/nms-boxes.json: random boxes
 * with empty ones, score ties, scores equal to the threshold, IoU thresholds 0 to 1 and top_k 0 / 5 / 5000.
 */
interface Case {
  boxes: [number, number, number, number][];
  scores: number[];
  scoreThreshold: number;
  nmsThreshold: number;
  topK: number;
  keep: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/opencv/nms-boxes.json', import.meta.url), 'utf8')) as {
  source: { opencv: string };
  cases: Case[];
};

const rects = (c: Case) => c.boxes.map(([x, y, width, height]) => ({ x, y, width, height }));

describe(`NMS with the 'opencv-rect' overlap equals OpenCV ${fixture.source.opencv}'s cv2.dnn.NMSBoxes`, () => {
  it('the fixture covers empty boxes, ties, scores at the threshold, every IoU threshold and top_k', () => {
    const all = fixture.cases;
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(all.some((c) => c.boxes.some(([, , w, h]) => w === 0 || h === 0))).toBe(true);
    expect(all.some((c) => c.scores.some((s) => s === c.scoreThreshold))).toBe(true);
    expect(new Set(all.map((c) => c.nmsThreshold))).toEqual(new Set([0, 0.2, 0.3, 0.45, 0.7, 1]));
    expect(all.some((c) => c.topK === 5 && c.scores.filter((s) => s > c.scoreThreshold).length > 5)).toBe(true);
    // Suppression happened, and not everywhere.
    expect(all.filter((c) => c.keep.length < c.scores.filter((s) => s > c.scoreThreshold).length).length).toBeGreaterThan(20);
  });

  it.each(fixture.cases.map((c, k) => [k, c] as const))('case %i: the reference transcription', (_, c) => {
    expect(referenceNmsBoxes(rects(c), c.scores.map(Math.fround), c.scoreThreshold, c.nmsThreshold, c.topK)).toEqual(c.keep);
  });

  it.each(fixture.cases.map((c, k) => [k, c] as const))('case %i: core nonMaxSuppression', (_, c) => {
    // What the pipeline does before NMS: scores > threshold (GetMaxScoreIndex), stable sort best first, top_k.
    const scores = Float32Array.from(c.scores);
    let order = [...scores.keys()].filter((i) => scores[i] > Math.fround(c.scoreThreshold));
    order.sort((a, b) => scores[b] - scores[a] || a - b);
    if (c.topK > 0) order = order.slice(0, c.topK);
    // Candidates renumbered in that order, as FaceDecoder holds them.
    const corners = new Float32Array(order.flatMap((i) => {
      const [x, y, w, h] = c.boxes[i];
      return [x, y, x + w, y + h];
    }));
    const keep = new Int32Array(order.length);
    const ranks = Int32Array.from(order.keys());
    const n = nonMaxSuppression(corners, ranks, order.length, c.nmsThreshold, Infinity, keep, new NmsScratch(), 'opencv-rect');
    expect([...keep.subarray(0, n)].map((k) => order[k])).toEqual(c.keep);
  });
});
