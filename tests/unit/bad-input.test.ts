import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FaceDecoder,
  FaceDetectorError,
  InvalidInputError,
  ModelLoadError,
  UnsupportedModelError,
} from '../../src/core/index.ts';
import { checkModelBytes } from '../../src/models/model-bytes.ts';
import { FaceSession } from '../../src/runtime/face-session.ts';
import { decodeImageFile } from '../../src/node/image-file.ts';
import { NodeDetector } from '../../src/node/node-detector.ts';
import { ort } from '../support/engine.ts';
import { MODELS, widerImages } from '../support/paths.ts';
import {
  Biubug6Outputs,
  InsightFaceOutputs,
  YuNetOutputs,
  biubug6Descriptor,
  insightFaceDescriptor,
  tinyClassifierOnnx,
  unscaledGeometry,
  yunetDescriptor,
} from '../support/synthetic.ts';
import { thrown } from '../support/thrown.ts';

let dir: string;
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** Awaits `promise`, expecting it to reject; returns the error. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function expectTyped(error: Error, type: new (...args: never[]) => FaceDetectorError, code: string, ...fragments: (string | RegExp)[]): void {
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(FaceDetectorError);
  expect((error as FaceDetectorError).code).toBe(code);
  expect(error.name).toBe(type.name);
  for (const f of fragments) expect(error.message).toMatch(f);
}

let detector: NodeDetector;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'retinaface-bad-input-'));
  detector = await NodeDetector.create({ model: MODELS.insightface });
});
afterAll(async () => {
  await detector?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('bad images → InvalidInputError naming the file', () => {
  it('a truncated JPEG (first half of a real one)', async () => {
    const jpeg = readFileSync(widerImages()[0]);
    const path = file('truncated.jpg', jpeg.subarray(0, jpeg.length >> 1));
    const e = await rejection(decodeImageFile(path));
    expectTyped(e, InvalidInputError, 'INVALID_INPUT', `Cannot read image ${path}`, /premature end of JPEG/);
    expectTyped(await rejection(detector.detectFile(path)), InvalidInputError, 'INVALID_INPUT', path);
  });

  it('a JPEG missing only its last bytes', async () => {
    const jpeg = readFileSync(widerImages()[0]);
    const path = file('almost.jpg', jpeg.subarray(0, jpeg.length - 64));
    expectTyped(await rejection(decodeImageFile(path)), InvalidInputError, 'INVALID_INPUT', path);
  });

  it('a text file named .jpg', async () => {
    const path = file('notes.jpg', 'these are not pixels\n');
    expectTyped(await rejection(detector.detectFile(path)), InvalidInputError, 'INVALID_INPUT', path, /unsupported image format/);
  });

  it('an empty file and a missing file', async () => {
    const empty = file('empty.png', new Uint8Array(0));
    expectTyped(await rejection(detector.detectFile(empty)), InvalidInputError, 'INVALID_INPUT', empty);
    const missing = join(dir, 'no-such-image.jpg');
    expectTyped(await rejection(detector.detectFile(missing)), InvalidInputError, 'INVALID_INPUT', missing);
  });

  it('an empty (0x0) image and absurd sizes are refused before any work', async () => {
    const zero = { data: new Uint8Array(0), width: 0, height: 0 };
    expectTyped(await rejection(detector.detectImage(zero)), InvalidInputError, 'INVALID_INPUT', /Image width must be a whole number from 1 to 16384; got 0\./);
    const huge = { data: new Uint8Array(4), width: 100000, height: 1 };
    expectTyped(await rejection(detector.detectImage(huge)), InvalidInputError, 'INVALID_INPUT', /got 100000/);
    const fractional = { data: new Uint8Array(4), width: 1, height: 0.5 };
    expectTyped(await rejection(detector.detectImage(fractional)), InvalidInputError, 'INVALID_INPUT', /Image height.*got 0\.5/);
    // Pixels that do not match the stated size.
    const short = { data: new Uint8Array(10), width: 64, height: 64 };
    expectTyped(await rejection(detector.detectImage(short)), InvalidInputError, 'INVALID_INPUT', /64x64 RGBA needs 16384/);
  });

  it('a 1x1 image is valid (a 32x32 tensor) and has no faces', async () => {
    const result = await detector.detectImage({ data: Uint8Array.from([128, 128, 128, 255]), width: 1, height: 1 });
    expect(result.faces).toEqual([]);
    expect([result.geometry.inputWidth, result.geometry.inputHeight]).toEqual([32, 32]);
  });

  it('bad thresholds', async () => {
    const image = { data: new Uint8Array(32 * 32 * 4), width: 32, height: 32 };
    expectTyped(await rejection(detector.detectImage(image, { scoreThreshold: 2 })), InvalidInputError, 'INVALID_INPUT', /scoreThreshold must be in \[0, 1\]; got 2/);
    expectTyped(await rejection(detector.detectImage(image, { maxFaces: -1 })), InvalidInputError, 'INVALID_INPUT', /maxFaces/);
  });
});

describe('bad models → ModelLoadError / UnsupportedModelError', () => {
  it('an empty model file', async () => {
    const path = file('empty.onnx', new Uint8Array(0));
    expectTyped(await rejection(NodeDetector.create({ model: path })), ModelLoadError, 'MODEL_LOAD', `The model ${path} is empty (0 bytes)`);
  });

  it('HTML served as a model (a 404 page or an SPA fallback), also after a BOM and white space', async () => {
    const html = '<!doctype html><html><body>Not Found</body></html>';
    const path = file('model.onnx', html);
    expectTyped(await rejection(NodeDetector.create({ model: path })), ModelLoadError, 'MODEL_LOAD', path, /HTML\/XML document, not an ONNX model/, /Check the model URL/);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x0a, 0x20, ...new TextEncoder().encode(html)]);
    expectTyped(await rejection(FaceSession.load(ort, bom, { source: 'https://example.test/m.onnx' })), ModelLoadError, 'MODEL_LOAD', 'https://example.test/m.onnx', /HTML/);
  });

  it('JSON served as a model', () => {
    expect(() => checkModelBytes(new TextEncoder().encode('{"error":"not found"}'), 'm.onnx')).toThrow(ModelLoadError);
    expect(() => checkModelBytes(new TextEncoder().encode('{"error":"not found"}'), 'm.onnx')).toThrow(/JSON text/);
  });

  it('bytes that are not ONNX, and a truncated ONNX file: onnxruntime refuses, reported as ModelLoadError', async () => {
    const garbage = file('garbage.onnx', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));
    expectTyped(await rejection(NodeDetector.create({ model: garbage })), ModelLoadError, 'MODEL_LOAD', `onnxruntime could not load the model ${garbage} (4096 bytes)`, /truncated or not an ONNX model/);
    const onnx = readFileSync(MODELS.insightface);
    const truncated = file('truncated.onnx', onnx.subarray(0, onnx.length >> 1));
    const e = await rejection(NodeDetector.create({ model: truncated }));
    expectTyped(e, ModelLoadError, 'MODEL_LOAD', truncated);
    expect((e as ModelLoadError).cause).toBeDefined();
  });

  it('a missing model file', async () => {
    const path = join(dir, 'missing.onnx');
    expectTyped(await rejection(NodeDetector.create({ model: path })), ModelLoadError, 'MODEL_LOAD', `Model file not found: ${path}.`);
  });

  it('a valid ONNX model that is no face detector (a tiny classifier)', async () => {
    const path = file('classifier.onnx', tinyClassifierOnnx());
    const e = await rejection(NodeDetector.create({ model: path }));
    expectTyped(e, UnsupportedModelError, 'UNSUPPORTED_MODEL', /Not a face model/, /found 1 outputs: logits \[1,3\]/, /face_rpn_/, /loc \[1,N,4\]/, /kps_\{8,16,32\}/);
  });

  it('YuNet forced to a RetinaFace family, and a RetinaFace model forced to YuNet', async () => {
    const e = await rejection(NodeDetector.create({ model: MODELS.yunet, descriptor: { family: 'insightface' } }));
    expectTyped(e, UnsupportedModelError, 'UNSUPPORTED_MODEL', /expected the 9 insightface outputs/, /found 12 outputs: cls_8 \[1,anchors,1\]/);
    const f = await rejection(NodeDetector.create({ model: MODELS.insightface, descriptor: { family: 'yunet' } }));
    expectTyped(f, UnsupportedModelError, 'UNSUPPORTED_MODEL', /expected the 12 YuNet outputs/, /found 9 outputs: face_rpn_cls_prob_reshape_stride32/);
  });

  it('outputs that do not fit the descriptor are UnsupportedModelError, not a crash or garbage', () => {
    const g = unscaledGeometry(640, 640);
    // biubug6 outputs made for 640x480 decoded as a 640x640 input.
    const wrongSize = new Biubug6Outputs(640, 480);
    expect(() => new FaceDecoder(biubug6Descriptor()).decode(wrongSize.outputs, g)).toThrow(UnsupportedModelError);
    expect(() => new FaceDecoder(biubug6Descriptor()).decode(wrongSize.outputs, g)).toThrow(/16800 priors, so \[1,16800,4\] was expected/);
    // insightface outputs with one missing.
    const missing = { ...new InsightFaceOutputs(640, 640).outputs };
    delete missing.face_rpn_landmark_pred_stride16;
    expect(() => new FaceDecoder(insightFaceDescriptor()).decode(missing, g)).toThrow(/did not return the output "face_rpn_landmark_pred_stride16"/);
  });

  it('YuNet outputs that do not fit the input are UnsupportedModelError naming found and expected shapes', () => {
    const g = unscaledGeometry(640, 640);
    // Outputs made for 640x480 (60x80 cells at stride 8) decoded as a 640x640 input (80x80).
    const wrongSize = new YuNetOutputs(640, 480).outputs;
    const e = thrown(() => new FaceDecoder(yunetDescriptor()).decode(wrongSize, g));
    expectTyped(e, UnsupportedModelError, 'UNSUPPORTED_MODEL', /Output "cls_8" has shape \[1,4800,1\]; a 640x640 input has 80x80 cells at stride 8, so \[1,6400,1\] was expected/);
    // A bbox tensor with 5 values per prior.
    const outputs = { ...new YuNetOutputs(640, 640).outputs, bbox_16: { data: new Float32Array(5 * 1600), dims: [1, 1600, 5] } };
    expectTyped(thrown(() => new FaceDecoder(yunetDescriptor()).decode(outputs, g)), UnsupportedModelError, 'UNSUPPORTED_MODEL', /"bbox_16" has shape \[1,1600,5\].*\[1,1600,4\] was expected/);
    const missing = { ...new YuNetOutputs(640, 640).outputs };
    delete missing.kps_32;
    expectTyped(thrown(() => new FaceDecoder(yunetDescriptor()).decode(missing, g)), UnsupportedModelError, 'UNSUPPORTED_MODEL', /did not return the output "kps_32"/);
  });

  it('YuNet with bad thresholds or top_k is InvalidInputError', async () => {
    const yunet = await NodeDetector.create({ model: MODELS.yunet });
    try {
      const image = { data: new Uint8Array(32 * 32 * 4), width: 32, height: 32 };
      expectTyped(await rejection(yunet.detectImage(image, { iouThreshold: -0.1 })), InvalidInputError, 'INVALID_INPUT', /iouThreshold must be in \[0, 1\]; got -0.1/);
      expect((await yunet.detectImage(image)).faces).toEqual([]);
    } finally {
      await yunet.release();
    }
    expectTyped(await rejection(NodeDetector.create({ model: MODELS.yunet, descriptor: { topK: 0 } })), InvalidInputError, 'INVALID_INPUT', /topK must be a whole number of at least 1 \(or Infinity\); got 0\./);
  });
});
