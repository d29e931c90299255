import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CandidateMerger,
  FaceCandidates,
  FaceDecoder,
  ImagePacker,
  InvalidInputError,
  UnsupportedModelError,
  planGeometry,
  planTestTimeAugmentation,
  tensorLength,
  type Face,
  type InputGeometry,
} from '../../src/core/index.ts';
import type { FaceSession } from '../../src/runtime/face-session.ts';
import { decodeImageFile, type DecodedImage } from '../../src/node/image-file.ts';
import { NodeDetector } from '../../src/node/node-detector.ts';
import { loadSession } from '../support/engine.ts';
import { MODELS, PHOTOS, widerImages } from '../support/paths.ts';
import { Biubug6Outputs, InsightFaceOutputs, biubug6Descriptor, insightFaceDescriptor } from '../support/synthetic.ts';

const sizes = (plan: ReturnType<typeof planTestTimeAugmentation>) =>
  plan.passes.map((p) => [p.geometry.contentWidth, p.geometry.contentHeight, p.geometry.inputWidth, p.geometry.inputHeight, p.flip]);

describe('planTestTimeAugmentation (insightface test_widerface.py, mode 1)', () => {
  it('1024x768: base scale 800/768, pyramid [500…1700]/800 of it, each scale unflipped then flipped, padded to 32', () => {
    const plan = planTestTimeAugmentation({ width: 1024, height: 768 }, null);
    expect(plan.passes.map((p) => p.scale)).toEqual([500, 500, 800, 800, 1100, 1100, 1400, 1400, 1700, 1700].map((s) => (s / 800) * (800 / 768)));
    // Content = OpenCV's round(W·s) × round(H·s); tensor padded to a multiple of 32.
    expect(sizes(plan)).toEqual([
      [667, 500, 672, 512, false],
      [667, 500, 672, 512, true],
      [1067, 800, 1088, 800, false],
      [1067, 800, 1088, 800, true],
      [1467, 1100, 1472, 1120, false],
      [1467, 1100, 1472, 1120, true],
      [1867, 1400, 1888, 1408, false],
      [1867, 1400, 1888, 1408, true],
      [2267, 1700, 2272, 1728, false],
      [2267, 1700, 2272, 1728, true],
    ]);
    expect(plan.passes.every((p) => p.geometry.sourceWidth === 1024 && p.geometry.sourceHeight === 768 && !p.geometry.mirror)).toBe(true);
    expect(plan.merge).toBe('vote');
    // The two flips of a scale share one geometry object: a host resizes once.
    expect(plan.passes[0].geometry).toBe(plan.passes[1].geometry);
  });

  it('a long image: the longer side is held to maxSize (1200) at the base scale', () => {
    // 800/500 = 1.6 would make the long side 3200 > 1200, so the base is 1200/2000 = 0.6.
    const plan = planTestTimeAugmentation({ width: 2000, height: 500 }, null, { flip: false });
    expect(plan.passes.map((p) => p.scale)).toEqual([500, 800, 1100, 1400, 1700].map((s) => (s / 800) * 0.6));
    // 500 · 0.375 = 187.5 rounds half to even: 188.
    expect(sizes(plan)[0]).toEqual([750, 188, 768, 192, false]);
    expect(sizes(plan)[4]).toEqual([2550, 638, 2560, 640, false]);
  });

  it('sizes round half to even, as OpenCV and numpy do', () => {
    // 100 · 50/80 = 62.5 → 62 (Math.round would give 63).
    const plan = planTestTimeAugmentation({ width: 100, height: 80 }, null, { scales: [50], targetSize: 80, maxSize: 1000, flip: false });
    expect(sizes(plan)).toEqual([[62, 50, 64, 64, false]]);
  });

  it('takes its scales, target, max size, flip, merge and mirror from the options', () => {
    const plan = planTestTimeAugmentation({ width: 640, height: 480 }, null, { scales: [480, 960], targetSize: 480, maxSize: 5000, flip: false, merge: 'nms', mirror: true });
    expect(sizes(plan)).toEqual([
      [640, 480, 640, 480, false],
      [1280, 960, 1280, 960, false],
    ]);
    expect([plan.merge, plan.mirror]).toEqual(['nms', true]);
  });

  it('rejects a fixed-size model and bad options with typed errors that say why', () => {
    expect(() => planTestTimeAugmentation({ width: 640, height: 480 }, { width: 640, height: 640 })).toThrow(UnsupportedModelError);
    expect(() => planTestTimeAugmentation({ width: 640, height: 480 }, { width: 640, height: 640 })).toThrow(/only 640x640.*dynamic-size model/);
    const bad = (options: object, message: RegExp) => {
      expect(() => planTestTimeAugmentation({ width: 640, height: 480 }, null, options)).toThrow(InvalidInputError);
      expect(() => planTestTimeAugmentation({ width: 640, height: 480 }, null, options)).toThrow(message);
    };
    bad({ scales: [] }, /at least one/);
    bad({ scales: [500, 0] }, /scales\[1\] must be a positive number; got 0/);
    bad({ scales: [Number.NaN] }, /scales\[0\]/);
    bad({ targetSize: -1 }, /targetSize/);
    bad({ maxSize: Infinity }, /maxSize/);
    bad({ merge: 'average' }, /merge must be 'vote' or 'nms'/);
    bad({ scales: [100000] }, /over the 4096 px tensor limit/);
    expect(() => planTestTimeAugmentation({ width: 0, height: 480 }, null)).toThrow(/Image width/);
  });
});

/** A pass over a 1200x1200 image resized to 600x600 in a 608x608 tensor (8 px of padding right and bottom). */
const HALF: InputGeometry = { sourceWidth: 1200, sourceHeight: 1200, contentWidth: 600, contentHeight: 600, inputWidth: 608, inputHeight: 608, mirror: false };

function collected(decoder: FaceDecoder, outputs: InsightFaceOutputs | Biubug6Outputs, geometry: InputGeometry, flip: boolean) {
  const into = new FaceCandidates();
  decoder.collect(outputs.outputs, { geometry, flip }, into, 0.5);
  return Array.from({ length: into.count }, (_, c) => ({
    box: Array.from(into.boxes.subarray(4 * c, 4 * c + 4)),
    score: into.scores[c],
    landmarks: Array.from(into.landmarks.subarray(10 * c, 10 * c + 10)),
  }));
}

const expectClose = (actual: number[], expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `value ${i}`).toBeCloseTo(expected[i], 3));
};

describe('FaceDecoder.collect: one pass’s candidates before NMS, in source pixels, flip undone', () => {
  // Stride 8, cell (0, 74), anchor 1: [592, 0, 607, 15] (spec §A.4), centre (599.5, 7.5), size 16.
  const lmDeltas = [-0.2, -0.1, 0.2, -0.1, 0, 0.05, -0.15, 0.2, 0.15, 0.2];
  const insightface = () =>
    new InsightFaceOutputs(608, 608)
      .set(8, 0, 74, 1, { score: 0.9, landmarks: lmDeltas })
      // The spec's §A.6 worked example: stride 32 anchor n = 1 with these deltas → [-139.1819, -177.7627, 205.3819, 90.3627].
      .set(32, 0, 0, 1, { score: 0.8, deltas: [0.1, -0.2, 0.3, 0.05] });
  const decoder = new FaceDecoder(insightFaceDescriptor(608, 608));
  // Tensor-pixel landmarks of the first anchor: x = l·16 + 599.5, y = l·16 + 7.5 (spec §A.7).
  const points = [596.3, 5.9, 602.7, 5.9, 599.5, 8.3, 597.1, 10.7, 601.9, 10.7];

  it('insightface, unflipped: boxes clipped to the resized image (x ≤ 599, not the tensor’s 607), then / scale', () => {
    const [example, edge] = collected(decoder, insightface(), HALF, false); // strides 32, 16, 8 in turn
    expect(edge.score).toBe(Math.fround(0.9));
    expectClose(edge.box, [592 * 2, 0, 599 * 2, 15 * 2]);
    expectClose(edge.landmarks, points.map((v) => v * 2));
    expectClose(example.box, [0, 0, 205.3819 * 2, 90.3627 * 2]);
  });

  it('insightface, flipped: x → W − 1 − x of the resized image (W = 600), eyes and mouth corners swapped', () => {
    const [example, edge] = collected(decoder, insightface(), HALF, true);
    expectClose(edge.box, [(599 - 599) * 2, 0, (599 - 592) * 2, 30]);
    // Point k comes from point [1, 0, 2, 4, 3][k], mirrored; landmarks are never clipped.
    const from = [1, 0, 2, 4, 3];
    expectClose(edge.landmarks, from.flatMap((k) => [(599 - points[2 * k]) * 2, points[2 * k + 1] * 2]));
    expectClose(example.box, [(599 - 205.3819) * 2, 0, 599 * 2, 90.3627 * 2]);
  });

  it('biubug6 (continuous coordinates, no clipping): x → W − x', () => {
    const outputs = () => new Biubug6Outputs(608, 608).set(5000, { score: 0.9, deltas: [0.5, -0.5, 0.3, 0.1], landmarks: lmDeltas });
    const d = new FaceDecoder(biubug6Descriptor(608, 608));
    const [plain] = collected(d, outputs(), HALF, false);
    const [flipped] = collected(d, outputs(), HALF, true);
    expectClose(flipped.box, [1200 - plain.box[2], plain.box[1], 1200 - plain.box[0], plain.box[3]]);
    const from = [1, 0, 2, 4, 3];
    expectClose(flipped.landmarks, from.flatMap((k) => [1200 - plain.landmarks[2 * k], plain.landmarks[2 * k + 1]]));
  });

  it('appends: candidates of several passes pile up in one FaceCandidates until clear()', () => {
    const into = new FaceCandidates();
    expect(decoder.collect(insightface().outputs, { geometry: HALF, flip: false }, into, 0.5)).toBe(2);
    expect(decoder.collect(insightface().outputs, { geometry: HALF, flip: true }, into, 0.85)).toBe(1);
    expect(into.count).toBe(3);
    expect(Array.from(into.scores.subarray(0, 3))).toEqual([0.8, 0.9, 0.9].map(Math.fround));
    into.clear();
    expect(into.count).toBe(0);
  });
});

describe('CandidateMerger', () => {
  /** Candidates given as [x1, y1, x2, y2, score]; landmarks at the box's corners and centre. */
  function candidates(rows: number[][]): FaceCandidates {
    const c = new FaceCandidates();
    const first = c.reserve(rows.length);
    rows.forEach(([x1, y1, x2, y2, s], k) => {
      c.boxes.set([x1, y1, x2, y2], 4 * (first + k));
      c.scores[first + k] = s;
      c.landmarks.set([x1, y1, x2, y1, (x1 + x2) / 2, (y1 + y2) / 2, x1, y2, x2, y2], 10 * (first + k));
    });
    c.count = first + rows.length;
    return c;
  }
  const plan = (merge: 'vote' | 'nms', mirror = false) => ({ ...planTestTimeAugmentation({ width: 100, height: 100 }, null, { merge, mirror }), passes: [] });
  const rows = [
    [10, 10, 29, 29, 0.5],
    [12, 10, 31, 29, 0.9], // best of the first face
    [60, 60, 79, 79, 0.7],
    [61, 61, 80, 80, 0.7],
    [0, 90, 5, 99, 0.95], // alone: dropped by the vote, kept by NMS
  ];

  it('vote: sorts all candidates by score, merges groups, averages their landmarks with the same weights', () => {
    const faces = new CandidateMerger().merge(candidates(rows), plan('vote'), { iouThreshold: 0.4 });
    expect(faces.map((f) => f.score)).toEqual([0.9, 0.7].map(Math.fround));
    const [a, b] = faces;
    // (12·0.9 + 10·0.5) / 1.4 = 11.2857.
    expect(a.box.x).toBeCloseTo((12 * 0.9 + 10 * 0.5) / 1.4, 4);
    expect(a.box.width).toBeCloseTo((31 * 0.9 + 29 * 0.5) / 1.4 - a.box.x, 4);
    expect(a.landmarks[0][0]).toBeCloseTo(a.box.x, 4);
    expect(a.landmarks[2]).toEqual([expect.closeTo(a.box.x + a.box.width / 2, 4), expect.closeTo(19.5, 4)]);
    expect(b.box).toEqual({ x: 60.5, y: 60.5, width: 19, height: 19 });
  });

  it('nms: the plain NMS over the pooled candidates, landmarks of the kept ones', () => {
    const faces = new CandidateMerger().merge(candidates(rows), plan('nms'), { iouThreshold: 0.4 });
    expect(faces.map((f) => [f.box.x, f.score])).toEqual([
      [0, Math.fround(0.95)],
      [12, Math.fround(0.9)],
      [60, Math.fround(0.7)],
    ]);
    expect(faces[1].landmarks[1]).toEqual([31, 10]);
  });

  it('maxFaces caps the result; mirror flips the final faces (x → W − x, left and right points swapped)', () => {
    const merger = new CandidateMerger();
    expect(merger.merge(candidates(rows), plan('vote'), { maxFaces: 1 })).toHaveLength(1);
    const plain = merger.merge(candidates(rows), plan('nms'), {});
    const mirrored = merger.merge(candidates(rows), plan('nms', true), {});
    mirrored.forEach((f, k) => {
      expect(f.box.x).toBeCloseTo(100 - plain[k].box.x - plain[k].box.width, 4);
      expect(f.landmarks[0][0]).toBeCloseTo(100 - plain[k].landmarks[1][0], 4);
      expect(f.landmarks[3][1]).toBe(plain[k].landmarks[4][1]);
    });
  });
});

describe('test-time augmentation on the default model', () => {
  let engine: FaceSession;
  let photo: DecodedImage;
  beforeAll(async () => {
    engine = await loadSession(MODELS.insightface);
    photo = await decodeImageFile(join(PHOTOS, 'group-640x480.jpg'));
  });
  afterAll(() => engine.release());

  async function run(pixels: DecodedImage, geometry: InputGeometry, flip: boolean) {
    const packer = new ImagePacker(engine.descriptor);
    return engine.infer(packer.pack(pixels, geometry, new Float32Array(tensorLength(geometry)), { flip }), geometry);
  }

  it('a flipped pass equals the mirrored image run unflipped, mapped back with x → W − 1 − x', async () => {
    const astronaut = await decodeImageFile(join(PHOTOS, 'astronaut.png'));
    const mirrored = { ...astronaut, data: new Uint8Array(astronaut.data.length) };
    for (let y = 0; y < astronaut.height; y++) {
      for (let x = 0; x < astronaut.width; x++) {
        const to = 4 * (y * astronaut.width + astronaut.width - 1 - x);
        mirrored.data.set(astronaut.data.subarray(4 * (y * astronaut.width + x), 4 * (y * astronaut.width + x) + 4), to);
      }
    }
    const geometry = planGeometry(astronaut, null); // 512x512, no padding
    const flipped = new FaceCandidates();
    engine.collect(await run(astronaut, geometry, true), { geometry, flip: true }, flipped, 0.02);
    const plain = new FaceCandidates();
    engine.collect(await run(mirrored, geometry, false), { geometry, flip: false }, plain, 0.02);
    expect(flipped.count).toBeGreaterThan(10);
    expect(flipped.count).toBe(plain.count);
    const W = 512;
    const boxes: number[] = [];
    const landmarks: number[] = [];
    for (let c = 0; c < plain.count; c++) {
      const [x1, y1, x2, y2] = plain.boxes.subarray(4 * c, 4 * c + 4);
      boxes.push(W - 1 - x2, y1, W - 1 - x1, y2);
      const lm = plain.landmarks.subarray(10 * c, 10 * c + 10);
      for (const k of [1, 0, 2, 4, 3]) landmarks.push(W - 1 - lm[2 * k], lm[2 * k + 1]);
    }
    expect(flipped.boxes.subarray(0, 4 * plain.count)).toEqual(Float32Array.from(boxes));
    expect(flipped.landmarks.subarray(0, 10 * plain.count)).toEqual(Float32Array.from(landmarks));
    expect(flipped.scores.subarray(0, plain.count)).toEqual(plain.scores.subarray(0, plain.count));
  });

  it("one unflipped pass at scale 1 merged with 'nms' equals the single-pass decoder, face for face", async () => {
    // 640x480 needs no resize and no padding, so the resized-image clip and the tensor clip agree.
    const plan = planTestTimeAugmentation(photo, null, { scales: [480], targetSize: 480, maxSize: 10000, flip: false, merge: 'nms' });
    const [pass] = plan.passes;
    expect(pass.geometry).toMatchObject({ contentWidth: 640, contentHeight: 480, inputWidth: 640, inputHeight: 480 });
    const outputs = await run(photo, pass.geometry, false);
    for (const scoreThreshold of [0.02, 0.5]) {
      const candidates = new FaceCandidates();
      engine.collect(outputs, pass, candidates, scoreThreshold);
      const merged = new CandidateMerger().merge(candidates, plan, { iouThreshold: 0.4 });
      const single = engine.decode(outputs, planGeometry(photo, null), { scoreThreshold, iouThreshold: 0.4 });
      expect(merged.length).toBeGreaterThan(0);
      expect(merged).toEqual(single);
    }
  });

  it("NodeDetector quality 'best' finds every face the single pass is sure of, and more", async () => {
    const detector = await NodeDetector.create();
    try {
      const file = widerImages().find((f) => f.endsWith('0_Parade_Parade_0_12.jpg'))!;
      const fast = await detector.detectFile(file, { scoreThreshold: 0.5 });
      const best = await detector.detectFile(file, { scoreThreshold: 0.5, quality: 'best' });
      expect(best.tta!.passes).toHaveLength(10);
      // 1024x744: the largest pass is 1024 · 1700/744 = 2339.8 → 2340 wide, padded to 2368.
      expect([best.geometry.contentWidth, best.geometry.inputWidth]).toEqual([2340, 2368]);
      const iou = (a: Face, b: Face) => {
        const w = Math.min(a.box.x + a.box.width, b.box.x + b.box.width) - Math.max(a.box.x, b.box.x);
        const h = Math.min(a.box.y + a.box.height, b.box.y + b.box.height) - Math.max(a.box.y, b.box.y);
        const inter = Math.max(0, w) * Math.max(0, h);
        return inter / (a.box.width * a.box.height + b.box.width * b.box.height - inter);
      };
      const sure = fast.faces.filter((f) => f.score > 0.9);
      expect(sure.length).toBeGreaterThan(3);
      for (const f of sure) expect(Math.max(...best.faces.map((b) => iou(f, b)))).toBeGreaterThan(0.5);
      expect(best.faces.length).toBeGreaterThan(fast.faces.length);
      expect(best.faces.map((f) => f.score)).toEqual([...best.faces.map((f) => f.score)].sort((a, b) => b - a));
      await expect(detector.detectFile(file, { quality: 'best', inputSize: { width: 640, height: 640 } })).rejects.toThrow(/do not apply to quality 'best'/);
      await expect(detector.detectFile(file, { quality: 'great' as 'best' })).rejects.toThrow(InvalidInputError);
    } finally {
      await detector.release();
    }
  });
});
