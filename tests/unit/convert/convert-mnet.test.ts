import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImagePacker, planGeometry, tensorLength, type ChannelOrder, type Face, type InputGeometry, type Size } from '../../../src/core/index.ts';
import { FaceSession } from '../../../src/runtime/face-session.ts';
import { convertMxnet } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { readMxnetParams, writeMxnetParams } from '../../../src/convert/mxnet/mxnet-params.ts';
import { decodeImageFile, fitImage } from '../../../src/node/image-file.ts';
import { decodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import { convertToBytes, hasSharedModels, maxDifference, MNET, mnetParams, mnetSource, ort, run, session, SHARED_PHOTOS, type Outputs } from './fixtures.ts';

const IMAGES = ['astronaut.png', 'group-640x480.jpg', 'vladmandic-sample2.jpg'];
const TOLERANCE = 1e-4;

interface Prepared {
  file: string;
  geometry: InputGeometry;
  /** The tensor in RGB and in BGR order. */
  tensors: Record<ChannelOrder, Float32Array>;
}

async function prepare(file: string, size?: Size): Promise<Prepared> {
  const image = await decodeImageFile(`${SHARED_PHOTOS}${file}`);
  const geometry = planGeometry(image, null, size ? { inputSize: size } : { maxInputSize: { width: 1280, height: 1280 } });
  const fitted = await fitImage(image, geometry);
  const pack = (channelOrder: ChannelOrder) =>
    new ImagePacker({ channelOrder, mean: [0, 0, 0], std: [1, 1, 1] }).pack(fitted, geometry, new Float32Array(tensorLength(geometry)));
  return { file, geometry, tensors: { RGB: pack('RGB'), BGR: pack('BGR') } };
}

async function engine(model: Uint8Array, channelOrder: ChannelOrder): Promise<FaceSession> {
  return FaceSession.load(ort, model, { descriptor: { channelOrder } });
}

async function outputsOf(e: FaceSession, p: Prepared, order: ChannelOrder): Promise<Outputs> {
  return e.infer(p.tensors[order], p.geometry) as Promise<Outputs>;
}

function expectSameFaces(a: Face[], b: Face[]): void {
  expect(b.length).toBe(a.length);
  a.forEach((f, i) => {
    const g = b[i];
    expect(Math.abs(g.score - f.score)).toBeLessThan(TOLERANCE);
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(g.box[k] - f.box[k])).toBeLessThan(1e-2);
  });
}

describe.skipIf(!hasSharedModels)('converting the insightface mnet.25 release', () => {
  let images: Prepared[];
  let reference: Record<ChannelOrder, FaceSession>;
  let converted: Record<ChannelOrder, FaceSession>;
  let folded: FaceSession;

  beforeAll(async () => {
    images = await Promise.all([...IMAGES.map((f) => prepare(f)), prepare('astronaut.png', { width: 640, height: 640 })]);
    reference = {
      RGB: await engine(new Uint8Array(readFileSync(`${MNET}retinaface-mnet025-rgb.onnx`)), 'RGB'),
      BGR: await engine(new Uint8Array(readFileSync(`${MNET}retinaface-mnet025.onnx`)), 'BGR'),
    };
    converted = {
      RGB: await engine(convertToBytes(mnetSource()), 'RGB'),
      BGR: await engine(convertToBytes(mnetSource(), { channelOrder: 'BGR' }), 'BGR'),
    };
    folded = await engine(convertToBytes(mnetSource(), { channelOrder: 'BGR', foldBatchNorm: true }), 'BGR');
  });

  it('gives the released interface: input data [1,3,H,W], the 9 outputs named and ordered as released', () => {
    const { model } = convertMxnet(mnetSource(), { channelOrder: 'BGR' });
    expect(model.graph.inputs).toEqual([{ name: 'data', elemType: 1, shape: [1, 3, 'height', 'width'] }]);
    expect(model.graph.outputs.map((o) => o.name)).toEqual(
      [32, 16, 8].flatMap((s) => [`face_rpn_cls_prob_reshape_stride${s}`, `face_rpn_bbox_pred_stride${s}`, `face_rpn_landmark_pred_stride${s}`]),
    );
    expect(model.graph.outputs.map((o) => o.shape?.[1])).toEqual([4, 8, 20, 4, 8, 20, 4, 8, 20]);
    expect(converted.BGR.descriptor.family).toBe('insightface');
    expect(converted.BGR.descriptor.inputSize).toBeNull();
  });

  for (const order of ['RGB', 'BGR'] as const) {
    it(`equals the reference ONNX (${order}) within 1e-4 on real images, with the same faces`, async () => {
      for (const p of images) {
        const ours = await outputsOf(converted[order], p, order);
        const ref = await outputsOf(reference[order], p, order);
        const diff = maxDifference(ref, ours);
        expect(diff, `${p.file} ${p.geometry.inputWidth}x${p.geometry.inputHeight}`).toBeLessThan(TOLERANCE);
        const faces = reference[order].decode(ref, p.geometry);
        expect(faces.length, p.file).toBeGreaterThan(0);
        expectSameFaces(faces, converted[order].decode(ours, p.geometry));
      }
    });
  }

  it('--bgr fed BGR equals the RGB model fed RGB (the channel flip sits in the first convolution)', async () => {
    const p = images[0];
    expect(maxDifference(await outputsOf(converted.RGB, p, 'RGB'), await outputsOf(converted.BGR, p, 'BGR'))).toBeLessThan(TOLERANCE);
  });

  it('folded and unfolded models give the same outputs within 1e-4', async () => {
    const { stats } = convertMxnet(mnetSource(), { foldBatchNorm: true });
    expect(stats.foldedBatchNorms).toBe(47);
    for (const p of images) {
      expect(maxDifference(await outputsOf(converted.BGR, p, 'BGR'), await outputsOf(folded, p, 'BGR'))).toBeLessThan(TOLERANCE);
    }
  });

  it('a fixed input size gives fixed dims, equal to the reference 640x640 model', async () => {
    const bytes = convertToBytes(mnetSource(), { channelOrder: 'BGR', inputSize: { width: 640, height: 640 } });
    const model = decodeOnnx(bytes);
    expect(model.graph.inputs[0].shape).toEqual([1, 3, 640, 640]);
    expect(model.graph.outputs.slice(0, 3).map((o) => o.shape)).toEqual([[1, 4, 20, 20], [1, 8, 20, 20], [1, 20, 20, 20]]);
    const p = images[images.length - 1];
    const ours = await run(await session(bytes), p.tensors.BGR, 640, 640);
    const ref = await run(await session(`${MNET}retinaface-mnet025-640.onnx`), p.tensors.BGR, 640, 640);
    expect(maxDifference(ref, ours)).toBeLessThan(TOLERANCE);
  });

  it('handles sizes that are not multiples of 32 (the Crop after each upsampling)', async () => {
    const tensor = new Float32Array(3 * 470 * 650).map((_, i) => (i * 7919) % 256);
    const ours = await run(await session(convertToBytes(mnetSource(), { channelOrder: 'BGR' })), tensor, 650, 470);
    const ref = await run(await session(`${MNET}retinaface-mnet025.onnx`), tensor, 650, 470);
    expect(ours.face_rpn_bbox_pred_stride8.dims).toEqual([1, 8, 59, 82]);
    expect(maxDifference(ref, ours)).toBeLessThan(TOLERANCE);
  });

  it('reads both NDArray header versions (and the legacy and numpy ones) to the same model', () => {
    const arrays = readMxnetParams(mnetParams());
    expect(new Set(arrays.map((a) => a.version))).toEqual(new Set(['v2']));
    const expected = convertToBytes(mnetSource());
    for (const version of ['v1', 'v2', 'v3', 'legacy'] as const) {
      const params = writeMxnetParams(arrays.map((a) => ({ key: a.key, shape: a.shape, data: a.data! })), version);
      expect(readMxnetParams(params)[0].version).toBe(version);
      expect(Buffer.compare(convertToBytes(mnetSource(params)), expected), version).toBe(0);
    }
  });
});
