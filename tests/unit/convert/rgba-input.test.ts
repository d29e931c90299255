import { beforeAll, describe, expect, it } from 'vitest';
import { ImagePacker, planGeometry, tensorLength, UnsupportedModelError, type RgbaPixels } from '../../../src/core/index.ts';
import { analyzeModel } from '../../../src/convert/model-info.ts';
import { convertMxnet } from '../../../src/convert/mxnet/convert-mxnet.ts';
import { encodeOnnx } from '../../../src/convert/onnx/onnx-io.ts';
import { DataType } from '../../../src/convert/onnx/onnx-model.ts';
import { addRgbaInput, RGBA_INPUT } from '../../../src/convert/passes/rgba-input.ts';
import { decodeImageFile } from '../../../src/node/image-file.ts';
import { hasSharedModels, maxDifference, mnetSource, ort, run, session, SHARED_PHOTOS, type Outputs } from './fixtures.ts';

/** The top-left `width` x `height` of an image, as its own RGBA pixels. */
function crop(image: RgbaPixels, width: number, height: number): RgbaPixels {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) data.set(image.data.subarray(y * image.width * 4, (y * image.width + width) * 4), y * width * 4);
  return { data, width, height };
}

/** The contract of the RGBA input: [1,H,W,4] at the padded size, content top-left, padding pixels with R = G = B = 0. */
function paddedRgba(pixels: RgbaPixels, width: number, height: number, alpha: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let i = 3; i < out.length; i += 4) out[i] = alpha;
  for (let y = 0; y < pixels.height; y++) out.set(pixels.data.subarray(y * pixels.width * 4, (y + 1) * pixels.width * 4), y * width * 4);
  return out;
}

async function runRgba(s: ort.InferenceSession, bytes: Uint8Array, width: number, height: number): Promise<Outputs> {
  const result = await s.run({ [RGBA_INPUT]: new ort.Tensor('uint8', bytes, [1, height, width, 4]) });
  return Object.fromEntries(Object.entries(result).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]));
}

describe.skipIf(!hasSharedModels)('the RGBA input (convert --input rgba-u8)', () => {
  let float: ort.InferenceSession;
  let rgba: ort.InferenceSession;
  let photo: RgbaPixels;
  beforeAll(async () => {
    photo = await decodeImageFile(`${SHARED_PHOTOS}group-640x480.jpg`);
    float = await session(encodeOnnx(convertMxnet(mnetSource(), { channelOrder: 'BGR', optimize: true }).model));
    rgba = await session(encodeOnnx(convertMxnet(mnetSource(), { channelOrder: 'BGR', optimize: true, input: 'rgba-u8' }).model));
  });

  it('takes rgba uint8 [1,H,W,4] and returns the same outputs, by name', () => {
    const { model } = convertMxnet(mnetSource(), { channelOrder: 'BGR', input: 'rgba-u8' });
    expect(model.graph.inputs).toEqual([{ name: 'rgba', elemType: DataType.UINT8, shape: [1, 'height', 'width', 4] }]);
    expect(model.graph.nodes.slice(0, 3).map((n) => n.opType)).toEqual(['Transpose', 'Slice', 'DequantizeLinear']);
    expect(model.metadata['retinaface-web.channel_order']).toBe('RGBA');
    expect(rgba.inputNames).toEqual(['rgba']);
    expect(rgba.outputNames).toEqual(float.outputNames);
  });

  // The decode must stay exact: the head casts the same bytes the packer's lookup table maps (raw 0..255), in the
  // same BGR order, into the same graph, so the outputs are equal bit for bit (tolerance 0).
  for (const [label, width, height] of [['640x480, no padding', 640, 480], ['301x203 padded to 320x224', 301, 203]] as const) {
    it(`equals the float graph fed ImagePacker's tensor bit for bit: ${label}`, async () => {
      const pixels = width === photo.width && height === photo.height ? photo : crop(photo, width, height);
      const g = planGeometry(pixels, null);
      const tensor = new ImagePacker({ channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] }).pack(pixels, g, new Float32Array(tensorLength(g)));
      const expected = await run(float, tensor, g.inputWidth, g.inputHeight);
      for (const alpha of [255, 0]) {
        const got = await runRgba(rgba, paddedRgba(pixels, g.inputWidth, g.inputHeight, alpha), g.inputWidth, g.inputHeight);
        expect(maxDifference(expected, got), `alpha ${alpha}`).toBe(0);
      }
    });
  }

  it('info describes the NHWC uint8 input, with the float model’s parameters and FLOPs', () => {
    const size = { width: 640, height: 480 };
    const a = analyzeModel(convertMxnet(mnetSource(), { channelOrder: 'BGR', optimize: true, input: 'rgba-u8' }).model, size);
    const b = analyzeModel(convertMxnet(mnetSource(), { channelOrder: 'BGR', optimize: true }).model, size);
    expect(a.input).toMatchObject({ name: 'rgba', layout: 'NHWC uint8', fixed: false, dimsAtSize: [1, 480, 640, 4] });
    expect(a.channelOrder).toBe('RGBA');
    expect(a.parameters).toBe(b.parameters);
    expect(a.flops!.total).toBe(b.flops!.total);
  });

  it('rejects a model whose input is not float32 [1,3,H,W]', () => {
    const { model } = convertMxnet(mnetSource(), { input: 'rgba-u8' });
    expect(() => addRgbaInput(model, 'RGB')).toThrow(UnsupportedModelError);
    expect(() => addRgbaInput(model, 'RGB')).toThrow(/Input rgba is not float32 \[1,3,H,W\]/);
  });
});
