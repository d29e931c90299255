import { describe, expect, it } from 'vitest';
import { FaceDecoder, type DecodeOptions, type Face } from '../../src/core/index.ts';
import { referenceYuNetDecode, type YuNetReferenceFace } from '../reference/reference-yunet.ts';
import { YuNetOutputs, unscaledGeometry as geometry, yunetDescriptor } from '../support/synthetic.ts';

/**
 * Hand-made YuNet outputs with worked numbers, decoded by FaceDecoder and by the OpenCV transcription in
 * tests/reference: OpenCV `FaceDetectorYNImpl::postProcess` and `dnn::NMSBoxes`, quirks included.
 */

const f32 = Math.fround;

const flat = (f: Face) => [f.box.x, f.box.y, f.box.width, f.box.height];

/** FaceDecoder's faces, after checking that the OpenCV transcription gives the very same ones. */
function decode(outputs: YuNetOutputs, options: DecodeOptions = {}, g = geometry(outputs.width, outputs.height), topK?: number): Face[] {
  const faces = new FaceDecoder(yunetDescriptor(topK)).decode(outputs.outputs, g, options);
  if (!g.mirror) {
    const reference = referenceYuNetDecode(outputs.outputs, {
      inputWidth: g.inputWidth,
      inputHeight: g.inputHeight,
      scaleX: g.contentWidth / g.sourceWidth,
      scaleY: g.contentHeight / g.sourceHeight,
      scoreThreshold: options.scoreThreshold ?? 0.9,
      nmsThreshold: options.iouThreshold ?? 0.3,
      topK,
    });
    const asReference = (f: Face): YuNetReferenceFace => ({ x: f.box.x, y: f.box.y, w: f.box.width, h: f.box.height, landmarks: f.landmarks.flat(), score: f.score });
    expect(faces.map(asReference)).toEqual(reference.slice(0, options.maxFaces));
  }
  return faces;
}

/** A face of score 0.95 at stride 8, cell (r, c), centre offset (dx, dy), size 8·exp(dw) × 8·exp(dh). */
const prior = (dx = 0.5, dy = 0.5, dw = 0, dh = 0, cls = f32(0.95) ** 2) => ({ cls, obj: 1, bbox: [dx, dy, dw, dh] });

describe('YuNet decode (OpenCV FaceDetectorYNImpl::postProcess)', () => {
  it('a worked example: stride 16, row 3, column 5 → centre (5.25·16, 2.5·16), size 16·(e^0, e^ln 2), landmarks (c + l)·16', () => {
    const kps = [0.1, 0.2, 0.9, 0.2, 0.5, 0.6, 0.2, 0.9, 0.8, 0.9];
    const out = new YuNetOutputs(320, 320).set(16, 3, 5, { cls: 0.81, obj: 1, bbox: [0.25, -0.5, 0, Math.log(2)], kps });
    const [face] = decode(out, { scoreThreshold: 0.5 });
    expect(face.score).toBe(f32(Math.sqrt(f32(0.81))));
    const h = f32(f32(Math.exp(f32(Math.log(2)))) * 16);
    expect(h).toBeCloseTo(32, 5);
    expect(flat(face)).toEqual([84 - 8, f32(40 - h / 2), 16, h]);
    expect(face.landmarks).toEqual(kps.reduce<[number, number][]>((pts, v, k) => (k % 2 ? pts : [...pts, [f32((5 + v) * 16), f32((3 + kps[k + 1]) * 16)]]), []));
  });

  it('cls and obj are clamped to [0, 1] before score = sqrt(cls·obj)', () => {
    const out = new YuNetOutputs(64, 64).set(8, 0, 0, { cls: 1.5, obj: 0.64, bbox: [0.5, 0.5, 0, 0] }).set(8, 4, 4, { cls: -0.2, obj: 1 });
    const faces = decode(out, { scoreThreshold: 0.5 });
    expect(faces.map((f) => f.score)).toEqual([f32(0.8)]);
  });

  it('score equal to the threshold: kept when it is the only face left (NMS skipped), dropped by NMSBoxes (score > t) otherwise', () => {
    // sqrt(0.25 · 1) = 0.5 exactly.
    const one = new YuNetOutputs(64, 64).set(8, 1, 1, { cls: 0.25, obj: 1 });
    expect(decode(one, { scoreThreshold: 0.5 }).map((f) => f.score)).toEqual([0.5]);
    const two = new YuNetOutputs(64, 64).set(8, 1, 1, { cls: 0.25, obj: 1 }).set(8, 6, 6, { cls: 0.25, obj: 1 });
    expect(decode(two, { scoreThreshold: 0.5 })).toEqual([]);
    const mixed = new YuNetOutputs(64, 64).set(8, 1, 1, { cls: 0.25, obj: 1 }).set(8, 6, 6, { cls: 0.36, obj: 1 });
    expect(decode(mixed, { scoreThreshold: 0.5 }).map((f) => f.score)).toEqual([f32(0.6)]);
  });

  it('NMS compares the boxes truncated to integers, without +1: IoU 24/104 = 0.231 suppresses at 0.22 (0.151 in floats, 0.208 with +1)', () => {
    // A: x 8..16 (exact); B: x1 = 13.9 → int 13, so x 13..21. Both y 0..8.
    const dx = (17.9 / 8) - 2;
    const out = new YuNetOutputs(64, 64).set(8, 0, 1, prior(0.5, 0.5)).set(8, 0, 2, prior(dx, 0.5, 0, 0, 0.8));
    const faces = decode(out, { scoreThreshold: 0.5, iouThreshold: 0.22 });
    expect(faces.map(flat)).toEqual([[8, 0, 8, 8]]);
    // Just above the integer IoU both stay; B keeps its float box.
    const both = decode(out, { scoreThreshold: 0.5, iouThreshold: 0.24 });
    expect(both.map((f) => f.box.x)).toEqual([8, f32(f32(f32(2 + f32(dx)) * 8) - 4)]);
  });

  it('two empty rectangles (width < 1 px truncates to 0) suppress each other wherever they are; a normal box is untouched', () => {
    const tiny = Math.log(1 / 16); // w = 0.5 px
    const out = new YuNetOutputs(128, 128)
      .set(8, 1, 1, prior(0.5, 0.5, tiny, 0))
      .set(8, 14, 14, prior(0.5, 0.5, 0, tiny, 0.81))
      .set(8, 8, 2, prior(0.5, 0.5, 0, 0, 0.64));
    const faces = decode(out, { scoreThreshold: 0.5 });
    expect(faces.map((f) => [f.score, f.box.width < 1 || f.box.height < 1])).toEqual([
      [f32(0.95), true],
      [f32(0.8), false],
    ]);
    // With an IoU threshold of 1 nothing overlaps "more than" 1: all three stay.
    expect(decode(out, { scoreThreshold: 0.5, iouThreshold: 1 })).toHaveLength(3);
  });

  it('top_k: only the best topK candidates enter NMS', () => {
    const out = new YuNetOutputs(64, 64).set(8, 0, 0, prior(0.5, 0.5, 0, 0, 0.81)).set(8, 3, 3, prior()).set(8, 6, 6, prior(0.5, 0.5, 0, 0, 0.64));
    expect(decode(out, { scoreThreshold: 0.5 }).map((f) => f.score)).toEqual([f32(0.95), f32(0.9), f32(0.8)]);
    expect(decode(out, { scoreThreshold: 0.5 }, undefined, 2).map((f) => f.score)).toEqual([f32(0.95), f32(0.9)]);
    // maxFaces limits the kept faces after NMS, as before.
    expect(decode(out, { scoreThreshold: 0.5, maxFaces: 1 }).map((f) => f.score)).toEqual([f32(0.95)]);
  });

  it("YuNet's defaults are OpenCV's: score 0.9, NMS 0.3", () => {
    const out = new YuNetOutputs(64, 64).set(8, 3, 3, prior(0.5, 0.5, 0, 0, 0.85 ** 2));
    expect(decode(out)).toEqual([]);
    expect(decode(out, { scoreThreshold: 0.5 })).toHaveLength(1);
    // Two 8x8 boxes `shift` px apart (x 24..32 and 24 + shift..32 + shift): IoU 5·8 / (128 − 40) = 0.45 at 3 px,
    // 3·8 / (128 − 24) = 0.23 at 5 px.
    const overlapping = (shift: number) => new YuNetOutputs(64, 64).set(8, 3, 3, prior()).set(8, 3, 4, prior(0.5 + (shift - 8) / 8, 0.5, 0, 0, 0.93 ** 2));
    expect(decode(overlapping(3))).toHaveLength(1);
    expect(decode(overlapping(5))).toHaveLength(2);
    expect(decode(overlapping(3), { iouThreshold: 0.5 })).toHaveLength(2);
  });

  it('equal scores keep prior order: stride 8 before 16 before 32, rows then columns', () => {
    const out = new YuNetOutputs(128, 128).set(32, 0, 0, prior()).set(16, 6, 6, prior()).set(8, 15, 0, prior()).set(8, 0, 15, prior());
    expect(decode(out).map((f) => [f.box.x, f.box.y])).toEqual([
      [120, 0],
      [0, 120],
      [96, 96],
      [0, 0],
    ]);
  });

  it('a scaled input maps back by the scale; a mirrored one flips x and swaps the left/right landmarks', () => {
    const kps = [0.1, 0.2, 0.9, 0.2, 0.5, 0.6, 0.2, 0.9, 0.8, 0.9];
    const out = new YuNetOutputs(64, 64).set(8, 2, 3, { cls: 1, obj: 1, bbox: [0.5, 0.5, 0, 0], kps });
    const [plain] = decode(out);
    expect(flat(plain)).toEqual([24, 16, 8, 8]);
    // A 128x128 image scaled to the 64x64 content: everything doubles.
    const [scaled] = decode(out, {}, geometry(128, 128, { contentWidth: 64, contentHeight: 64, inputWidth: 64, inputHeight: 64 }));
    expect(flat(scaled)).toEqual([48, 32, 16, 16]);
    expect(scaled.landmarks).toEqual(plain.landmarks.map(([x, y]) => [2 * x, 2 * y]));
    const [mirrored] = decode(out, {}, geometry(64, 64, { mirror: true }));
    expect(flat(mirrored)).toEqual([64 - 32, 16, 8, 8]);
    expect(mirrored.landmarks).toEqual([1, 0, 2, 4, 3].map((k) => [64 - plain.landmarks[k][0], plain.landmarks[k][1]]));
  });
});
