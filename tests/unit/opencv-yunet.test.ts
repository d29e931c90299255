import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageFile } from '../../src/node/image-file.ts';
import type { FaceSession } from '../../src/runtime/face-session.ts';
import { loadSession } from '../support/engine.ts';
import { compareFaceSets, corners, type Corners } from '../support/faces.ts';
import { runModel } from '../support/model-comparison.ts';
import { MODELS, PROJECT_ROOT } from '../support/paths.ts';

/**
 * YuNet faces from real OpenCV (Debian python3-opencv 4.6.0): `cv2.imread`, padding to 32, `blobFromImage`,
 * OpenCV's DNN forward, the `postProcess` float32 loop and `cv2.dnn.NMSBoxes`, made by
 * `/usr/bin/python3 tests/support/opencv-yunet.py faces …` and frozen in tests/fixtures/opencv/yunet-faces.json.
 * (OpenCV 4.6's own `cv2.FaceDetectorYN` decodes the 2021 YuNet and cannot run this model.)
 */
interface OpenCvFace {
  box: [number, number, number, number];
  landmarks: number[];
  score: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/opencv/yunet-faces.json', import.meta.url), 'utf8')) as {
  source: { opencv: string; nmsThreshold: number; topK: number };
  images: { file: string; width: number; height: number; bgrSha256: string; faces: Record<string, OpenCvFace[]> }[];
};

const fromOpenCv = (f: OpenCvFace): Corners => ({ x1: f.box[0], y1: f.box[1], x2: f.box[0] + f.box[2], y2: f.box[1] + f.box[3], score: f.score, landmarks: f.landmarks });

describe(`YuNet through the whole Node pipeline equals OpenCV ${fixture.source.opencv}`, () => {
  let engine: FaceSession;
  beforeAll(async () => {
    engine = await loadSession(MODELS.yunet);
  });
  afterAll(() => engine?.release());

  it('the fixture is OpenCV FaceDetectorYN\'s settings on photos and WIDER images, hundreds of faces', () => {
    expect(fixture.source).toMatchObject({ opencv: '4.6.0', nmsThreshold: 0.3, topK: 5000 });
    expect(fixture.images.length).toBeGreaterThanOrEqual(6);
    expect(fixture.images.reduce((n, im) => n + im.faces['0.5'].length, 0)).toBeGreaterThan(500);
  });

  it.each(fixture.images.map((im) => [im.file.split('/').pop()!, im] as const))('%s', async (_, im) => {
    const file = join(PROJECT_ROOT, im.file);
    // The same pixels: sharp (libjpeg-turbo / libpng) decodes exactly what cv2.imread decodes.
    const image = await decodeImageFile(file);
    const bgr = new Uint8Array(image.width * image.height * 3);
    for (let i = 0; i < image.width * image.height; i++) {
      bgr[3 * i] = image.data[4 * i + 2];
      bgr[3 * i + 1] = image.data[4 * i + 1];
      bgr[3 * i + 2] = image.data[4 * i];
    }
    expect([image.width, image.height]).toEqual([im.width, im.height]);
    expect(createHash('sha256').update(bgr).digest('hex')).toBe(im.bgrSha256);
    // Decode, pack (native size, padded bottom/right to 32), onnxruntime, FaceDecoder.
    const { geometry, outputs } = await runModel(engine, file);
    expect([geometry.inputWidth, geometry.inputHeight]).toEqual([Math.ceil(im.width / 32) * 32, Math.ceil(im.height / 32) * 32]);
    for (const [threshold, expected] of Object.entries(im.faces)) {
      const faces = engine.decode(outputs, geometry, { scoreThreshold: Number(threshold) });
      // onnxruntime's and OpenCV's DNN outputs differ by float rounding (≈1e-4 px seen), so not bit for bit here.
      expect(compareFaceSets(faces.map(corners), expected.map(fromOpenCv), { px: 1e-3, score: 1e-5 }), `threshold ${threshold}`).toEqual([]);
    }
    // The defaults are OpenCV's.
    expect(engine.decode(outputs, geometry)).toHaveLength(im.faces['0.9'].length);
  });
});
