import { describe, expect, it } from 'vitest';
import {
  Biubug6Decoder,
  FaceDecoder,
  InsightFaceDecoder,
  InvalidInputError,
  type Face,
  type InputGeometry,
} from '../../src/core/index.ts';
import { DEFAULT_DETECT_SETTINGS, resolveDetectOverrides } from '../../src/options/resolve-options.ts';
import { referenceDecode } from '../reference/reference-decoder.ts';
import { corners } from '../support/faces.ts';
import { Biubug6Outputs, InsightFaceOutputs, biubug6Descriptor, insightFaceDescriptor, unscaledGeometry as geometry } from '../support/synthetic.ts';

const boxOf = (f: Face) => {
  const c = corners(f);
  return [c.x1, c.y1, c.x2, c.y2];
};

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, k) => {
    if (!(Math.abs(v - expected[k]) <= tolerance)) expect.fail(`value ${k}: got ${v}, expected ${expected[k]} ± ${tolerance}`);
  });
}

// Spec §A.6 / §A.7 worked example: the stride-32 anchor n=1 [-120,-120,135,135] (row 0, column 0, anchor 1).
const A6_DELTAS = [0.1, -0.2, 0.3, 0.05];
const A6_BOX = [-139.1819, -177.7627, 205.3819, 90.3627];
const A8_BOX = [-1.1989, -3.6102, 19.3989, 12.2102];
const A7_DELTAS = [-0.2, -0.1, 0.2, -0.1, 0, 0.05, -0.15, 0.2, 0.15, 0.2];
const A7_STD1 = [-43.7, -18.1, 58.7, -18.1, 7.5, 20.3, -30.9, 58.7, 45.9, 58.7];
const A7_STD02 = [-2.74, 2.38, 17.74, 2.38, 7.5, 10.06, -0.18, 17.74, 15.18, 17.74];
const shift = (values: number[], dx: number, dy: number) => values.map((v, k) => v + (k % 2 === 0 ? dx : dy));

function decodeInsightFace(outputs: InsightFaceOutputs, g: InputGeometry, options = {}, landmarkStd?: number): Face[] {
  return new FaceDecoder(insightFaceDescriptor(outputs.width, outputs.height, landmarkStd)).decode(outputs.outputs, g, options);
}

describe('insightface decode (spec §A.6, §A.7) through FaceDecoder', () => {
  it('§A.6 example at n=1: clipped to the 640x640 input → [0, 0, 205.3819, 90.3627]', () => {
    const out = new InsightFaceOutputs(640, 640).set(32, 0, 0, 1, { score: 0.9, deltas: A6_DELTAS });
    const faces = decodeInsightFace(out, geometry(640, 640));
    expect(faces).toHaveLength(1);
    expectClose(boxOf(faces[0]), [0, 0, A6_BOX[2], A6_BOX[3]], 1e-4);
    expect(faces[0].score).toBe(Math.fround(0.9));
  });

  it('§A.6 example without clipping: the same anchor shape at row 8, column 6 gives the example box + (192, 256)', () => {
    const out = new InsightFaceOutputs(640, 640).set(32, 8, 6, 1, { score: 0.9, deltas: A6_DELTAS });
    const [face] = decodeInsightFace(out, geometry(640, 640));
    expectClose(boxOf(face), shift(A6_BOX, 192, 256), 1e-4);
  });

  it('§A.6 stride-8 example [0,0,15,15]: clipped at (0,0), exact when shifted to row 3, column 2', () => {
    const clipped = decodeInsightFace(new InsightFaceOutputs(640, 640).set(8, 0, 0, 1, { score: 0.9, deltas: A6_DELTAS }), geometry(640, 640));
    expectClose(boxOf(clipped[0]), [0, 0, A8_BOX[2], A8_BOX[3]], 1e-4);
    const inside = decodeInsightFace(new InsightFaceOutputs(640, 640).set(8, 3, 2, 1, { score: 0.9, deltas: A6_DELTAS }), geometry(640, 640));
    expectClose(boxOf(inside[0]), shift(A8_BOX, 16, 24), 1e-4);
  });

  it('clips to [0, W−1] x [0, H−1] of the input tensor (not the image content) before mapping to source pixels', () => {
    // A 1280x960 image letterboxed into 640x640: content 640x480 at the top-left, scale 0.5.
    const g = geometry(1280, 960, { contentWidth: 640, contentHeight: 480, inputWidth: 640, inputHeight: 640 });
    const out = new InsightFaceOutputs(640, 640)
      .set(32, 0, 0, 1, { score: 0.9, deltas: A6_DELTAS })
      .set(32, 19, 19, 1, { score: 0.8 }); // anchor [488,488,743,743], zero deltas
    const faces = decodeInsightFace(out, g);
    expect(faces).toHaveLength(2);
    expectClose(boxOf(faces[0]), [0, 0, 2 * A6_BOX[2], 2 * A6_BOX[3]], 2e-4);
    expectClose(boxOf(faces[1]), [976, 976, 1278, 1278], 1e-4);
    // Landmarks are mapped by the same scale and never clipped.
    expectClose(faces[1].landmarks.flat(), Array(5).fill([2 * 615.5, 2 * 615.5]).flat(), 1e-4);
  });

  it('§A.7 landmarks with landmark std 1', () => {
    const out = new InsightFaceOutputs(640, 640).set(32, 0, 0, 1, { score: 0.9, deltas: A6_DELTAS, landmarks: A7_DELTAS });
    const [face] = decodeInsightFace(out, geometry(640, 640));
    expect(face.landmarks).toHaveLength(5);
    expectClose(face.landmarks.flat(), A7_STD1, 1e-4);
  });

  it('§A.7 landmarks with landmark std 0.2 (retinaface_mnet025_v2)', () => {
    const out = new InsightFaceOutputs(640, 640).set(32, 0, 0, 1, { score: 0.9, landmarks: A7_DELTAS });
    const [face] = decodeInsightFace(out, geometry(640, 640), {}, 0.2);
    expectClose(face.landmarks.flat(), A7_STD02, 1e-4);
  });

  it('reads deltas as (dx, dy, dw, dh): dw changes only the width, dh only the height', () => {
    const wide = decodeInsightFace(new InsightFaceOutputs(640, 640).set(32, 9, 9, 1, { score: 0.9, deltas: [0, 0, Math.log(2), 0] }), geometry(640, 640));
    // anchor [168,168,423,423] (256 px); width doubles to 512 around the same centre 295.5, +1 convention.
    expectClose(boxOf(wide[0]), [295.5 - 255.5, 168, 295.5 + 255.5, 423], 1e-4);
    const tall = decodeInsightFace(new InsightFaceOutputs(640, 640).set(32, 9, 9, 1, { score: 0.9, deltas: [0.25, 0, 0, Math.log(2)] }), geometry(640, 640));
    expectClose(boxOf(tall[0]), [168 + 64, 295.5 - 255.5, 423 + 64, 295.5 + 255.5], 1e-4);
  });

  describe('class-major scores: face of anchor a = channel A + a', () => {
    // With zero deltas the box is the anchor itself.
    const cases: [number, number, number, number, number[]][] = [
      [32, 9, 9, 0, [40, 40, 551, 551]],
      [32, 9, 9, 1, [168, 168, 423, 423]],
      [16, 10, 12, 0, [136, 104, 263, 231]],
      [16, 10, 12, 1, [168, 136, 231, 199]],
      [8, 30, 40, 0, [312, 232, 343, 263]],
      [8, 30, 40, 1, [320, 240, 335, 255]],
    ];
    it.each(cases)('stride %i, row %i, column %i, anchor %i', (stride, i, j, a, anchor) => {
      const faces = decodeInsightFace(new InsightFaceOutputs(640, 640).set(stride, i, j, a, { score: 0.75 }), geometry(640, 640));
      expect(faces).toHaveLength(1);
      expect(boxOf(faces[0])).toEqual(anchor);
      expect(faces[0].score).toBe(Math.fround(0.75));
    });

    it('a high value in a background channel is not a face (channels 0..A−1 are background)', () => {
      // Channel 1 would be anchor 0's face if the two classes were interleaved per anchor.
      const out = new InsightFaceOutputs(640, 640).set(32, 9, 9, 1, { background: 0.99 });
      expect(decodeInsightFace(out, geometry(640, 640), { scoreThreshold: 0.02 })).toEqual([]);
    });
  });

  it('keeps score >= threshold: a score equal to the threshold passes, the float32 just below does not', () => {
    const below = new Float32Array([0.5]);
    new Uint32Array(below.buffer)[0] -= 1;
    const out = new InsightFaceOutputs(640, 640)
      .set(32, 9, 9, 1, { score: 0.5 })
      .set(8, 2, 2, 1, { score: below[0] });
    const faces = decodeInsightFace(out, geometry(640, 640), { scoreThreshold: 0.5 });
    expect(faces.map((f) => f.score)).toEqual([0.5]);
    expect(decodeInsightFace(out, geometry(640, 640), { scoreThreshold: below[0] })).toHaveLength(2);
  });

  it('compares with the threshold in float32, as numpy does: a score of fround(0.02) < 0.02 passes 0.02', () => {
    const t = Math.fround(0.02);
    expect(t).toBeLessThan(0.02);
    const out = new InsightFaceOutputs(640, 640).set(32, 9, 9, 1, { score: t });
    expect(decodeInsightFace(out, geometry(640, 640), { scoreThreshold: 0.02 }).map((f) => f.score)).toEqual([t]);
  });

  it('the InsightFaceDecoder selects anchors in anchor order with their indices (n = level offset + (i·w + j)·A + a)', () => {
    const out = new InsightFaceOutputs(640, 640)
      .set(8, 0, 1, 0, { score: 0.6 }) // 800 + 3200 + (0·80 + 1)·2 + 0 = 4002
      .set(32, 0, 0, 1, { score: 0.7 }) // 1
      .set(16, 1, 0, 1, { score: 0.8 }); // 800 + (1·40 + 0)·2 + 1 = 881
    const d = new InsightFaceDecoder(insightFaceDescriptor());
    expect(d.bind(out.outputs, 640, 640)).toBe(16800);
    const indices = new Int32Array(16800);
    const scores = new Float32Array(16800);
    const count = d.select(0.5, indices, scores);
    expect(Array.from(indices.subarray(0, count))).toEqual([1, 881, 4002]);
    expect(Array.from(scores.subarray(0, count))).toEqual([0.7, 0.8, 0.6].map(Math.fround));
  });
});

// Spec §B.5 worked example: prior n=16001 [0.025, 0.025, 0.8, 0.8], loc (0.5, −0.5, 0.3, 0.1).
const B5_LOC = [0.5, -0.5, 0.3, 0.1];
const B5_BOX = [-230.23, -270.772, 313.43, 251.572];
// Landmark k = prior centre + m·0.1·prior size, ×640: 16 + 51.2·m.
const B5_LANDMARK_DELTAS = [0.5, -0.5, 1, 1, 0, 0, -1, 0.25, 2, -2];
const B5_LANDMARKS = B5_LANDMARK_DELTAS.map((m) => 16 + 51.2 * m);

describe('biubug6 decode (spec §B.5) through FaceDecoder', () => {
  const decode = (out: Biubug6Outputs, g: InputGeometry, options = {}) => new FaceDecoder(biubug6Descriptor()).decode(out.outputs, g, options);

  it('§B.5 example: [-230.230, -270.772, 313.430, 251.572], not clipped', () => {
    const out = new Biubug6Outputs(640, 640).set(16001, { score: 0.9, deltas: B5_LOC, landmarks: B5_LANDMARK_DELTAS });
    const [face, ...rest] = decode(out, geometry(640, 640));
    expect(rest).toEqual([]);
    expectClose(boxOf(face), B5_BOX, 1e-3);
    expectClose(face.landmarks.flat(), B5_LANDMARKS, 1e-4);
  });

  it('the normalised §B.5 box is [-0.359735, -0.423081, 0.489735, 0.393081] (x2 = x1 + w) in float32', () => {
    const out = new Biubug6Outputs(640, 640).set(16001, { score: 0.9, deltas: B5_LOC });
    const d = new Biubug6Decoder(biubug6Descriptor());
    d.bind(out.outputs, 640, 640);
    const box = new Float32Array(4);
    d.box(16001, 640, 640, box, 0); // scale 640 undoes the ×640: normalised units
    expectClose(Array.from(box), [-0.359735, -0.423081, 0.489735, 0.393081], 1e-6);
  });

  it('maps to source pixels by dividing by the scale', () => {
    const out = new Biubug6Outputs(640, 640).set(16001, { score: 0.9, deltas: B5_LOC, landmarks: B5_LANDMARK_DELTAS });
    const g = geometry(1280, 960, { contentWidth: 640, contentHeight: 480, inputWidth: 640, inputHeight: 640 });
    const [face] = decode(out, g);
    expectClose(boxOf(face), B5_BOX.map((v) => 2 * v), 2e-3);
    expectClose(face.landmarks.flat(), B5_LANDMARKS.map((v) => 2 * v), 2e-4);
  });

  it('keeps score > threshold: a score equal to the threshold fails, the float32 just above passes', () => {
    const above = new Float32Array([0.5]);
    new Uint32Array(above.buffer)[0] += 1;
    const out = new Biubug6Outputs(640, 640).set(100, { score: 0.5 }).set(9000, { score: above[0] });
    const faces = decode(out, geometry(640, 640), { scoreThreshold: 0.5 });
    expect(faces.map((f) => f.score)).toEqual([above[0]]);
  });

  it('compares with the threshold in float32: a score of fround(0.1) > 0.1 does not pass 0.1', () => {
    const t = Math.fround(0.1);
    expect(t).toBeGreaterThan(0.1);
    const out = new Biubug6Outputs(640, 640).set(100, { score: t });
    expect(decode(out, geometry(640, 640), { scoreThreshold: 0.1 })).toEqual([]);
  });

  it('face probability is column 1 of conf; column 0 is background', () => {
    const out = new Biubug6Outputs(640, 640);
    out.outputs['593'].data[2 * 500] = 0.99; // background column
    out.outputs['593'].data[2 * 500 + 1] = 0.01;
    expect(decode(out, geometry(640, 640), { scoreThreshold: 0.02 })).toEqual([]);
  });
});

describe('NMS, maxFaces and mirror through FaceDecoder', () => {
  it('suppresses overlapping detections and keeps the better one; disjoint ones survive', () => {
    const out = new InsightFaceOutputs(640, 640)
      .set(8, 30, 40, 1, { score: 0.8 }) // [320,240,335,255]
      .set(8, 30, 40, 0, { score: 0.9 }) // [312,232,343,263]: IoU = 256/1024 = 0.25 → kept
      .set(8, 30, 41, 1, { score: 0.7 }) // [328,240,343,255]: IoU with [320..335] = 128/384 = 0.333, with [312..343] = 256/1024 → kept
      .set(16, 15, 20, 1, { score: 0.6 }) // [304,224,367,287] 64 px: IoU with [312..343] 32 px = 1024/4096 = 0.25 → kept
      .set(16, 15, 20, 0, { score: 0.95 }); // [264,184,391,311] 128 px: IoU with the 64 px one = 4096/16384 = 0.25 → kept
    expect(decodeInsightFace(out, geometry(640, 640))).toHaveLength(5);
    // An almost identical box (the 32 px anchor shrunk to 16 px and shifted by 1 px: [321,241,336,256],
    // IoU 225/287 = 0.78) is suppressed.
    const dup = new InsightFaceOutputs(640, 640)
      .set(8, 30, 40, 1, { score: 0.8 })
      .set(8, 30, 40, 0, { score: 0.6, deltas: [1 / 32, 1 / 32, -Math.log(2), -Math.log(2)] });
    const faces = decodeInsightFace(dup, geometry(640, 640));
    expect(faces.map((f) => f.score)).toEqual([Math.fround(0.8)]);
  });

  it('maxFaces keeps the best n after NMS, best first', () => {
    const out = new InsightFaceOutputs(640, 640)
      .set(8, 10, 10, 1, { score: 0.6 })
      .set(8, 10, 20, 1, { score: 0.9 })
      .set(8, 20, 10, 1, { score: 0.7 })
      .set(8, 20, 20, 1, { score: 0.8 });
    const all = decodeInsightFace(out, geometry(640, 640));
    expect(all.map((f) => f.score)).toEqual([0.9, 0.8, 0.7, 0.6].map(Math.fround));
    const two = decodeInsightFace(out, geometry(640, 640), { maxFaces: 2 });
    expect(two).toEqual(all.slice(0, 2));
    expect(decodeInsightFace(out, geometry(640, 640), { maxFaces: 1 })).toEqual(all.slice(0, 1));
  });

  it('maxFaces counts faces that survive NMS, not candidates', () => {
    const out = new InsightFaceOutputs(640, 640)
      .set(8, 30, 40, 1, { score: 0.9 })
      .set(8, 30, 40, 0, { score: 0.8, deltas: [0, 0, -Math.log(2), -Math.log(2)] }) // same 16 px box → suppressed
      .set(8, 10, 10, 1, { score: 0.7 });
    const faces = decodeInsightFace(out, geometry(640, 640), { maxFaces: 2 });
    expect(faces.map((f) => f.score)).toEqual([0.9, 0.7].map(Math.fround));
  });

  it('mirror maps x → W − x and reorders the landmarks [1, 0, 2, 4, 3]', () => {
    const out = new InsightFaceOutputs(640, 640).set(32, 8, 6, 1, { score: 0.9, deltas: A6_DELTAS, landmarks: A7_DELTAS });
    const plain = decodeInsightFace(out, geometry(640, 640))[0];
    const mirrored = decodeInsightFace(out, geometry(640, 640, { mirror: true }))[0];
    const [x1, y1, x2, y2] = boxOf(plain);
    expectClose(boxOf(mirrored), [640 - x2, y1, 640 - x1, y2], 1e-9);
    expect(mirrored.score).toBe(plain.score);
    const p = plain.landmarks;
    const expected = [1, 0, 2, 4, 3].map((k) => [640 - p[k][0], p[k][1]]);
    expectClose(mirrored.landmarks.flat(), expected.flat(), 1e-9);
    // The mirrored left eye is left of the mirrored right eye, as in the unmirrored result.
    expect(mirrored.landmarks[0][0]).toBeLessThan(mirrored.landmarks[1][0]);
    expect(p[0][0]).toBeLessThan(p[1][0]);
  });

  it('mirror uses the source width, after mapping back from a scaled tensor', () => {
    const out = new Biubug6Outputs(640, 640).set(16001, { score: 0.9, deltas: B5_LOC, landmarks: B5_LANDMARK_DELTAS });
    const g = geometry(1280, 960, { contentWidth: 640, contentHeight: 480, inputWidth: 640, inputHeight: 640, mirror: true });
    const [face] = new FaceDecoder(biubug6Descriptor()).decode(out.outputs, g);
    expectClose(boxOf(face), [1280 - 2 * B5_BOX[2], 2 * B5_BOX[1], 1280 - 2 * B5_BOX[0], 2 * B5_BOX[3]], 2e-3);
    const lm = B5_LANDMARKS.map((v) => 2 * v);
    const expected = [1, 0, 2, 4, 3].flatMap((k) => [1280 - lm[2 * k], lm[2 * k + 1]]);
    expectClose(face.landmarks.flat(), expected, 2e-4);
  });

  it('bad options are rejected with InvalidInputError where they enter the API, before they reach the decoder', () => {
    for (const options of [{ scoreThreshold: 1.5 }, { scoreThreshold: Number.NaN }, { iouThreshold: -0.1 }, { maxFaces: 0 }, { maxFaces: 2.5 }]) {
      expect(() => resolveDetectOverrides(DEFAULT_DETECT_SETTINGS, options), JSON.stringify(options)).toThrow(InvalidInputError);
    }
  });
});

describe('the plain reference decoder agrees with the worked examples too', () => {
  it('§A.6 / §A.7 (clipped) and §B.5', () => {
    const a = new InsightFaceOutputs(640, 640).set(32, 0, 0, 1, { score: 0.9, deltas: A6_DELTAS, landmarks: A7_DELTAS });
    const [fa] = referenceDecode(a.outputs, { family: 'insightface', inputWidth: 640, inputHeight: 640, scaleX: 1, scaleY: 1, scoreThreshold: 0.5 });
    expectClose([fa.x1, fa.y1, fa.x2, fa.y2], [0, 0, A6_BOX[2], A6_BOX[3]], 1e-4);
    expectClose(fa.landmarks, A7_STD1, 1e-4);
    const [f02] = referenceDecode(a.outputs, { family: 'insightface', inputWidth: 640, inputHeight: 640, scaleX: 1, scaleY: 1, scoreThreshold: 0.5, landmarkStd: 0.2 });
    expectClose(f02.landmarks, A7_STD02, 1e-4);
    const b = new Biubug6Outputs(640, 640).set(16001, { score: 0.9, deltas: B5_LOC, landmarks: B5_LANDMARK_DELTAS });
    const [fb] = referenceDecode(b.outputs, { family: 'biubug6', inputWidth: 640, inputHeight: 640, scaleX: 1, scaleY: 1, scoreThreshold: 0.5 });
    expectClose([fb.x1, fb.y1, fb.x2, fb.y2], B5_BOX, 1e-3);
    expectClose(fb.landmarks, B5_LANDMARKS, 1e-4);
  });

  it('score comparisons: >= for insightface, > for biubug6', () => {
    const a = new InsightFaceOutputs(640, 640).set(32, 9, 9, 1, { score: 0.5 });
    expect(referenceDecode(a.outputs, { family: 'insightface', inputWidth: 640, inputHeight: 640, scaleX: 1, scaleY: 1, scoreThreshold: 0.5 })).toHaveLength(1);
    const b = new Biubug6Outputs(640, 640).set(100, { score: 0.5 });
    expect(referenceDecode(b.outputs, { family: 'biubug6', inputWidth: 640, inputHeight: 640, scaleX: 1, scaleY: 1, scoreThreshold: 0.5 })).toHaveLength(0);
  });
});
