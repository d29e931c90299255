import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Face, RawOutputs } from '../../src/core/index.ts';
import type { FaceSession } from '../../src/runtime/face-session.ts';
import { referenceYuNetDecode, type YuNetReferenceFace } from '../reference/reference-yunet.ts';
import { loadSession } from '../support/engine.ts';
import { comparisonImages, runModel } from '../support/model-comparison.ts';
import { MODELS } from '../support/paths.ts';

/** A low threshold (where OpenCV's top_k of 5000 cuts the candidates of crowded images), ours and OpenCV's default. */
const THRESHOLDS = [0.02, 0.5, 0.9] as const;

/** Priors whose score sqrt(cls·obj) passes `t` (counted plainly, to know when top_k was reached). */
function candidatesOver(outputs: RawOutputs, t: number): number {
  let n = 0;
  for (const s of [8, 16, 32]) {
    const [cls, obj] = [outputs[`cls_${s}`].data, outputs[`obj_${s}`].data];
    for (let i = 0; i < cls.length; i++) if (Math.fround(Math.sqrt(Math.fround(Math.min(Math.max(cls[i], 0), 1) * Math.min(Math.max(obj[i], 0), 1)))) > Math.fround(t)) n++;
  }
  return n;
}

const asReference = (f: Face): YuNetReferenceFace => ({
  x: f.box.x,
  y: f.box.y,
  w: f.box.width,
  h: f.box.height,
  landmarks: f.landmarks.flat(),
  score: f.score,
});

describe('face_detection_yunet_2026may.onnx: FaceDecoder equals the OpenCV transcription on real outputs, bit for bit', () => {
  let engine: FaceSession;
  const stats = { images: 0, scaled: 0, faces: { 0.02: 0, 0.5: 0, 0.9: 0 } as Record<number, number>, capped: 0, outsideImage: 0, frontal: 0, imageOrder: 0 };

  beforeAll(async () => {
    engine = await loadSession(MODELS.yunet);
    expect(engine.descriptor.family).toBe('yunet');
  });
  afterAll(() => engine?.release());

  it.each(comparisonImages().map((c) => [c.file.split('/').slice(-2).join('/'), c] as const))('%s', async (_, { file, options }) => {
    const { geometry: g, outputs } = await runModel(engine, file, options);
    if (!options) {
      // Native: the image itself, padded bottom/right to multiples of 32 (FaceDetectorYN's padWithDivisor).
      expect([g.contentWidth, g.contentHeight]).toEqual([g.sourceWidth, g.sourceHeight]);
      expect([g.inputWidth, g.inputHeight]).toEqual([Math.ceil(g.sourceWidth / 32) * 32, Math.ceil(g.sourceHeight / 32) * 32]);
    }
    if (g.contentWidth !== g.sourceWidth) stats.scaled++;
    stats.images++;
    for (const scoreThreshold of THRESHOLDS) {
      const fast = engine.decode(outputs, g, { scoreThreshold }).map(asReference);
      const reference = referenceYuNetDecode(outputs, {
        inputWidth: g.inputWidth,
        inputHeight: g.inputHeight,
        scaleX: g.contentWidth / g.sourceWidth,
        scaleY: g.contentHeight / g.sourceHeight,
        scoreThreshold,
      });
      // Same faces in the same order (OpenCV's NMS order), every float32 value equal.
      expect(fast, `threshold ${scoreThreshold}`).toEqual(reference);
      stats.faces[scoreThreshold] += reference.length;
      if (scoreThreshold === 0.9) {
        // Face.landmarks' order as seen in the image: OpenCV's "right eye, left eye, nose, right mouth corner, left
        // mouth corner" are the person's, so the first eye and mouth corner are on the image's left.
        for (const { landmarks: l } of reference) {
          stats.frontal++;
          if (l[0] < l[4] && l[4] < l[2] && l[6] < l[8]) stats.imageOrder++;
        }
      }
      if (scoreThreshold === 0.02) stats.outsideImage += reference.filter((f) => f.x < 0 || f.y < 0 || f.x + f.w > g.sourceWidth).length;
    }
    if (candidatesOver(outputs, 0.02) > 5000) stats.capped++;
    // Without thresholds, YuNet's own defaults apply (OpenCV's 0.9 and 0.3).
    expect(engine.decode(outputs, g).map(asReference)).toEqual(
      referenceYuNetDecode(outputs, { inputWidth: g.inputWidth, inputHeight: g.inputHeight, scaleX: g.contentWidth / g.sourceWidth, scaleY: g.contentHeight / g.sourceHeight, scoreThreshold: 0.9, nmsThreshold: 0.3 }),
    );
  });

  it('covered real work: many faces at every threshold, top_k reached, scaled and unscaled inputs, boxes past the image edge; landmarks left to right', () => {
    expect(stats.images).toBe(comparisonImages().length);
    expect(stats.images).toBeGreaterThanOrEqual(20);
    expect(stats.faces[0.9]).toBeGreaterThan(50);
    expect(stats.faces[0.5]).toBeGreaterThan(stats.faces[0.9]);
    expect(stats.faces[0.02]).toBeGreaterThan(stats.faces[0.5] * 2);
    expect(stats.capped).toBeGreaterThanOrEqual(2);
    expect(stats.imageOrder).toBeGreaterThan(0.95 * stats.frontal);
    expect(stats.scaled).toBeGreaterThan(0);
    expect(stats.outsideImage).toBeGreaterThan(0);
  });
});
