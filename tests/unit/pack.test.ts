import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImagePacker, InvalidInputError, planGeometry, RgbaPacker, rgbaLength, tensorLength, type InputGeometry, type Normalization } from '../../src/core/index.ts';
import { uniformStream } from '../../src/convert/mxnet/synthetic.ts';
import { decodeImageFile, fitImage, type DecodedImage } from '../../src/node/image-file.ts';
// onnxruntime's Tensor.fromImage turns every image source into RGBA bytes and hands them to this function; in
// onnxruntime-web 1.30 fromImage itself has no overload for raw bytes in Node (it throws "Input data provided is
// not supported"), so the function is imported from its file.
import { bufferToTensor } from '../../node_modules/onnxruntime-common/dist/esm/tensor-factory-impl.js';
import { referencePack } from '../reference/reference-decoder.ts';
import { expectSameValues } from '../support/arrays.ts';
import { PHOTOS, widerImages } from '../support/paths.ts';

const NORMALIZATIONS: [string, Normalization][] = [
  ['insightface BGR raw 0..255', { channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] }],
  ['insightface RGB raw 0..255', { channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1] }],
  ['biubug6 BGR minus (104, 117, 123)', { channelOrder: 'BGR', mean: [104, 117, 123], std: [1, 1, 1] }],
  ['RGB ImageNet mean/std', { channelOrder: 'RGB', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }],
  ['BGR ImageNet mean/std', { channelOrder: 'BGR', mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395] }],
];

/** onnxruntime's image-to-tensor formula: (pixel + bias[c]) / mean[c], with bias/mean given per R, G, B. */
function ortTensor(pixels: DecodedImage, n: Normalization): Float32Array {
  // Our mean/std are in the tensor's channel order; onnxruntime's norm arrays are in the image's R, G, B order.
  const rgb = (v: readonly number[]) => (n.channelOrder === 'BGR' ? [v[2], v[1], v[0]] : [...v]);
  const t = bufferToTensor(new Uint8ClampedArray(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), {
    width: pixels.width,
    height: pixels.height,
    tensorFormat: n.channelOrder,
    tensorLayout: 'NCHW',
    norm: { mean: rgb(n.std) as [number, number, number], bias: rgb(n.mean).map((m) => -m) as [number, number, number] },
  });
  expect(t.dims).toEqual([1, 3, pixels.height, pixels.width]);
  return t.data as Float32Array;
}

/** The content region of a packed tensor, as a tightly packed content-size tensor, and the padding values. */
function split(tensor: Float32Array, g: InputGeometry): { content: Float32Array; padding: number[] } {
  const content = new Float32Array(3 * g.contentWidth * g.contentHeight);
  const padding: number[] = [];
  let o = 0;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < g.inputHeight; y++) {
      for (let x = 0; x < g.inputWidth; x++) {
        const v = tensor[(c * g.inputHeight + y) * g.inputWidth + x];
        if (x < g.contentWidth && y < g.contentHeight) content[o++] = v;
        else padding.push(v);
      }
    }
  }
  return { content, padding };
}

const images: Record<string, DecodedImage> = {};
const FILES = {
  'astronaut.png': join(PHOTOS, 'astronaut.png'),
  'group-640x480.jpg': join(PHOTOS, 'group-640x480.jpg'),
  wider: widerImages()[0], // 1024x819 JPEG
};

/** The top-left w x h of an image (rows copied), to get sizes that are not multiples of 32. */
function crop(image: DecodedImage, w: number, h: number): DecodedImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(y * image.width * 4, (y * image.width + w) * 4), y * w * 4);
  return { data, width: w, height: h };
}

beforeAll(async () => {
  for (const [k, f] of Object.entries(FILES)) images[k] = await decodeImageFile(f);
  // Padding on the right and at the bottom: 1001x701 → 1024x704.
  images['wider cropped to 1001x701'] = crop(images.wider, 1001, 701);
});

describe.each(NORMALIZATIONS)('ImagePacker, %s', (_, normalization) => {
  const packer = new ImagePacker(normalization);

  it.each([...Object.keys(FILES), 'wider cropped to 1001x701'])('native size (padding to 32) on %s equals onnxruntime and a plain loop', (key) => {
    const image = images[key];
    const g = planGeometry(image, null);
    const out = new Float32Array(tensorLength(g)).fill(Number.NaN); // padding must be written, not assumed
    const tensor = packer.pack(image, g, out);
    expect(tensor).toBe(out);
    const { content, padding } = split(tensor, g);
    expectSameValues(content, ortTensor(image, normalization), 'tensor value');
    expect(padding.length).toBe(3 * (g.inputWidth * g.inputHeight - g.contentWidth * g.contentHeight));
    expect(padding.every((v) => v === 0)).toBe(true);
    const plain = referencePack(image.data, image.width, image.height, g.inputWidth, g.inputHeight, normalization.channelOrder, normalization.mean, normalization.std);
    expectSameValues(tensor, plain, 'tensor value');
  });

  it('letterboxed into 640x640: content at the top-left, zero padding bottom/right', async () => {
    const image = images.wider;
    const g = planGeometry(image, { width: 640, height: 640 });
    expect(g.contentWidth * g.contentHeight).toBeLessThan(640 * 640);
    expect(g.contentWidth === image.width).toBe(false); // resampled
    const fitted = await fitImage(image, g);
    const tensor = packer.pack(fitted, g, new Float32Array(tensorLength(g)).fill(Number.NaN));
    const { content, padding } = split(tensor, g);
    expectSameValues(content, ortTensor(fitted, normalization), 'tensor value');
    expect(padding.length).toBe(3 * (640 * 640 - g.contentWidth * g.contentHeight));
    expect(padding.every((v) => v === 0)).toBe(true);
  });
});

/** The image mirrored left to right with a plain loop (pixel x → width − 1 − x). */
function mirrored(image: DecodedImage): DecodedImage {
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = 4 * (y * image.width + x);
      data.set(image.data.subarray(from, from + 4), 4 * (y * image.width + (image.width - 1 - x)));
    }
  }
  return { data, width: image.width, height: image.height };
}

describe.each(NORMALIZATIONS)('ImagePacker flip, %s', (_, normalization) => {
  const packer = new ImagePacker(normalization);

  it.each([...Object.keys(FILES), 'wider cropped to 1001x701'])('native size on %s: the plain loop on the mirrored pixels, value by value', (key) => {
    const image = images[key];
    const g = planGeometry(image, null);
    const tensor = packer.pack(image, g, new Float32Array(tensorLength(g)).fill(Number.NaN), { flip: true });
    const m = mirrored(image);
    expectSameValues(tensor, referencePack(m.data, m.width, m.height, g.inputWidth, g.inputHeight, normalization.channelOrder, normalization.mean, normalization.std), 'tensor value');
  });

  it('letterboxed into 640x640: mirrored content at the top-left, zero padding', async () => {
    const g = planGeometry(images.wider, { width: 640, height: 640 });
    const fitted = await fitImage(images.wider, g);
    const tensor = packer.pack(fitted, g, new Float32Array(tensorLength(g)).fill(-3), { flip: true });
    const m = mirrored(fitted);
    expectSameValues(tensor, referencePack(m.data, m.width, m.height, 640, 640, normalization.channelOrder, normalization.mean, normalization.std), 'tensor value');
  });
});

describe('ImagePacker details', () => {
  it('puts channel c of pixel (x, y) at c·H·W + y·W + x, BGR reversing the RGBA bytes', () => {
    const pixels = { data: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255]), width: 3, height: 1 };
    const g = planGeometry(pixels, null); // 32x32 tensor
    const t = new ImagePacker({ channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] }).pack(pixels, g, new Float32Array(tensorLength(g)));
    const plane = 32 * 32;
    expect([t[0], t[1], t[2], t[3]]).toEqual([3, 6, 9, 0]);
    expect([t[plane], t[plane + 1], t[plane + 2]]).toEqual([2, 5, 8]);
    expect([t[2 * plane], t[2 * plane + 1], t[2 * plane + 2]]).toEqual([1, 4, 7]);
    const rgb = new ImagePacker({ channelOrder: 'RGB', mean: [1, 2, 3], std: [1, 2, 4] }).pack(pixels, g, new Float32Array(tensorLength(g)));
    expect([rgb[0], rgb[1], rgb[plane], rgb[2 * plane + 2]]).toEqual([0, 3, 0, (9 - 3) / 4]);
  });

  it('composites pixels that are not opaque over black (colour × alpha), as premultiplied bitmaps and opaque canvases do', () => {
    const pixels = { data: Uint8Array.from([200, 100, 50, 0, 200, 100, 50, 128, 200, 100, 50, 255]), width: 3, height: 1 };
    const g = planGeometry(pixels, null);
    const t = new ImagePacker({ channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1] }).pack(pixels, g, new Float32Array(tensorLength(g)));
    const plane = 32 * 32;
    expect([t[0], t[1], t[2]]).toEqual([0, Math.round((200 * 128) / 255), 200]);
    expect([t[plane], t[plane + 1], t[plane + 2]]).toEqual([0, Math.round((100 * 128) / 255), 100]);
    expect([t[2 * plane], t[2 * plane + 1], t[2 * plane + 2]]).toEqual([0, Math.round((50 * 128) / 255), 50]);
  });

  it('flip: pixel (x, y) lands at column contentWidth − 1 − x of the same row; flip: false is the default', () => {
    const pixels = { data: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255, 13, 14, 15, 255, 16, 17, 18, 255]), width: 3, height: 2 };
    const g = planGeometry(pixels, null); // 32x32 tensor
    const packer = new ImagePacker({ channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1] });
    const t = packer.pack(pixels, g, new Float32Array(tensorLength(g)).fill(Number.NaN), { flip: true });
    expect([t[0], t[1], t[2], t[3], t[32], t[33], t[34], t[35]]).toEqual([7, 4, 1, 0, 16, 13, 10, 0]);
    expect([t[1024], t[1025], t[1026], t[2048 + 32]]).toEqual([8, 5, 2, 18]);
    const plain = packer.pack(pixels, g, new Float32Array(tensorLength(g)));
    expectSameValues(packer.pack(pixels, g, new Float32Array(tensorLength(g)), { flip: false }), plain);
    expect([plain[0], plain[1], plain[2]]).toEqual([1, 4, 7]);
  });

  it('packs into a caller-owned, reused buffer: a view of the same memory, stale values overwritten', () => {
    const packer = new ImagePacker({ channelOrder: 'BGR', mean: [104, 117, 123], std: [1, 1, 1] });
    const big = images.wider;
    const small = images['astronaut.png'];
    const gBig = planGeometry(big, null);
    const gSmall = planGeometry(small, null);
    const buffer = new Float32Array(tensorLength(gBig) + 100).fill(Number.NaN);
    const first = packer.pack(big, gBig, buffer);
    expect(first.buffer).toBe(buffer.buffer);
    expect(first.byteOffset).toBe(0);
    expect(first.length).toBe(tensorLength(gBig));
    expectSameValues(first, referencePack(big.data, big.width, big.height, gBig.inputWidth, gBig.inputHeight, 'BGR', [104, 117, 123]));
    // The second, smaller image reuses the same memory; the first image's values must not leak into it.
    buffer.fill(12345);
    const second = packer.pack(small, gSmall, buffer);
    expect(second.buffer).toBe(buffer.buffer);
    expect(second.length).toBe(tensorLength(gSmall));
    expectSameValues(second, referencePack(small.data, small.width, small.height, gSmall.inputWidth, gSmall.inputHeight, 'BGR', [104, 117, 123]));
    // Letterbox padding is rewritten on every call too.
    for (const [w, h] of [[640, 400], [400, 640], [333, 333]]) {
      const gBox = planGeometry({ width: w, height: h }, { width: 640, height: 640 });
      const data = new Uint8Array(gBox.contentWidth * gBox.contentHeight * 4).map((_, i) => (i % 4 === 3 ? 255 : 200));
      const pixels = { data, width: gBox.contentWidth, height: gBox.contentHeight };
      const third = packer.pack(pixels, gBox, buffer.fill(-7));
      const { content, padding } = split(third, gBox);
      expect(padding.length).toBe(3 * (640 * 640 - gBox.contentWidth * gBox.contentHeight));
      expect(padding.every((v) => v === 0)).toBe(true);
      expect(content.every((v, i) => v === 200 - [104, 117, 123][Math.floor(i / (gBox.contentWidth * gBox.contentHeight))])).toBe(true);
    }
  });

  it('rejects wrong sizes with InvalidInputError', () => {
    const packer = new ImagePacker({ channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] });
    const g = planGeometry({ width: 64, height: 48 }, null);
    const pixels = { data: new Uint8Array(64 * 48 * 4), width: 64, height: 48 };
    expect(() => packer.pack(pixels, g, new Float32Array(tensorLength(g) - 1))).toThrow(InvalidInputError);
    expect(() => packer.pack(pixels, g, new Float32Array(tensorLength(g) - 1))).toThrow(/64x64x3 needs 12288/);
    expect(() => packer.pack({ ...pixels, width: 63 }, g, new Float32Array(tensorLength(g)))).toThrow(/63x48.*64x48/);
    expect(() => packer.pack({ ...pixels, data: new Uint8Array(10) }, g, new Float32Array(tensorLength(g)))).toThrow(InvalidInputError);
  });
});

/** What the RGBA head computes from the bytes, as a plain loop: pick each tensor channel's byte, (v − mean) / std. */
function headReference(bytes: Uint8Array, width: number, height: number, n: Normalization): Float32Array {
  const byteOf = n.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = (bytes[4 * p + byteOf[c]] - n.mean[c]) / n.std[c];
  return out;
}

/** A copy of the image with every `every`-th pixel given a random alpha below 255. */
function withTransparency(image: DecodedImage, every: number): DecodedImage {
  const random = uniformStream(7);
  const data = new Uint8Array(image.data);
  for (let p = 0; p < image.width * image.height; p += every) data[4 * p + 3] = Math.floor(random() * 255);
  return { data, width: image.width, height: image.height };
}

// The RGBA head's input (issue 10): through the head, the bytes RgbaPacker lays out must be ImagePacker's tensor,
// value for value (whole-byte means only: the head is used for no other).
describe.each(NORMALIZATIONS.filter(([, n]) => n.mean.every(Number.isInteger)))('RgbaPacker, %s', (_, normalization) => {
  const rgba = new RgbaPacker(normalization);
  const float = new ImagePacker(normalization);
  const cases: [string, () => DecodedImage, { width: number; height: number } | null][] = [
    ['native size', () => images.wider, null],
    ['1001x701, padded to 1024x704', () => images['wider cropped to 1001x701'], null],
    ['letterboxed into 640x640', () => images.wider, { width: 640, height: 640 }],
    ['with transparent pixels', () => withTransparency(images['wider cropped to 1001x701'], 3), null],
  ];
  for (const [name, imageOf, fixed] of cases) {
    for (const flip of [false, true]) {
      it(`${name}${flip ? ', mirrored' : ''}: through the head, ImagePacker's tensor`, async () => {
        const g = planGeometry(imageOf(), fixed);
        const pixels = fixed ? await fitImage(imageOf(), g) : imageOf();
        const bytes = rgba.pack(pixels, g, new Uint8Array(rgbaLength(g)).fill(77), { flip });
        expect(bytes.length).toBe(rgbaLength(g));
        const expected = float.pack(pixels, g, new Float32Array(tensorLength(g)), { flip });
        expectSameValues(headReference(bytes, g.inputWidth, g.inputHeight, normalization), expected, 'tensor value');
      });
    }
  }

  it('asIs: the pixels’ own bytes only when they are the input as they are', () => {
    const image = images['group-640x480.jpg'];
    const g = planGeometry(image, null);
    expect([g.inputWidth, g.inputHeight]).toEqual([640, 480]);
    expect(rgba.asIs(image, g)?.buffer).toBe(image.data.buffer);
    expect(rgba.asIs(image, g, { flip: true })).toBeNull();
    expect(rgba.asIs(withTransparency(image, 1000), g)).toBeNull();
    // Pixels said to be opaque are not checked (a video frame of a format without alpha).
    expect(rgba.asIs({ ...withTransparency(image, 1000), opaque: true }, g)).not.toBeNull();
    const padded = images['wider cropped to 1001x701'];
    expect(rgba.asIs(padded, planGeometry(padded, null))).toBeNull();
  });
});

describe('RgbaPacker details', () => {
  it('padding pixels hold the mean’s bytes in the channels the model reads (BGR: tensor channel 0 is B)', () => {
    const pixels = { data: Uint8Array.from([1, 2, 3, 255]), width: 1, height: 1 };
    const g = planGeometry(pixels, null); // 32x32
    const bytes = new RgbaPacker({ channelOrder: 'BGR', mean: [104, 117, 123], std: [1, 1, 1] }).pack(pixels, g, new Uint8Array(rgbaLength(g)));
    expect([...bytes.subarray(0, 8)]).toEqual([1, 2, 3, 255, 123, 117, 104, 255]);
    expect([...bytes.subarray(bytes.length - 4)]).toEqual([123, 117, 104, 255]);
    const rgb = new RgbaPacker({ channelOrder: 'RGB', mean: [10, 20, 30], std: [1, 1, 1] }).pack(pixels, g, new Uint8Array(rgbaLength(g)));
    expect([...rgb.subarray(4, 8)]).toEqual([10, 20, 30, 255]);
  });

  it('rejects wrong sizes and unaligned buffers with InvalidInputError', () => {
    const pixels = { data: new Uint8Array(64 * 64 * 4), width: 64, height: 64 };
    const g = planGeometry(pixels, null);
    const packer = new RgbaPacker({ channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] });
    expect(() => packer.pack(pixels, g, new Uint8Array(rgbaLength(g) - 1))).toThrow(/64x64x4 needs 16384/);
    expect(() => packer.pack({ ...pixels, width: 63 }, g, new Uint8Array(rgbaLength(g)))).toThrow(InvalidInputError);
    expect(() => packer.pack(pixels, g, new Uint8Array(rgbaLength(g) + 1).subarray(1))).toThrow(/multiple of 4 bytes/);
  });
});

it('ImagePacker composites transparent pixels in mirrored passes too', () => {
  const image = withTransparency(images['wider cropped to 1001x701'], 2);
  const n: Normalization = { channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] };
  const g = planGeometry(image, null);
  const packer = new ImagePacker(n);
  const m = mirrored(image);
  expectSameValues(packer.pack(image, g, new Float32Array(tensorLength(g)), { flip: true }), packer.pack(m, g, new Float32Array(tensorLength(g))), 'tensor value');
});
