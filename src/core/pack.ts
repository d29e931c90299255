import { InvalidInputError } from './errors.ts';
import type { InputGeometry } from './geometry.ts';
import type { ChannelOrder, Triple } from './model-descriptor.ts';

/** RGBA pixels, row-major, 4 bytes a pixel, as in `ImageData`. */
export interface RgbaPixels {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
  /** Every alpha byte is known to be 255 (e.g. a video frame of a format without alpha): nothing to check. */
  opaque?: boolean;
}

export interface Normalization {
  channelOrder: ChannelOrder;
  /** In the tensor's channel order. */
  mean: Triple;
  /** In the tensor's channel order. */
  std: Triple;
}

export const tensorLength = (g: InputGeometry): number => 3 * g.inputWidth * g.inputHeight;

/**
 * RGBA pixels as one 32-bit word each (one load per pixel instead of four, and a single array type for both
 * byte array kinds, which keeps the packing loops monomorphic). The view is reused while the buffer is.
 */
export class PixelWords {
  private words: Uint32Array = new Uint32Array(0);
  private aligned: Uint32Array = new Uint32Array(0);

  of(data: Uint8ClampedArray | Uint8Array, count: number): Uint32Array {
    const w = this.words;
    if (w.buffer === data.buffer && w.byteOffset === data.byteOffset && w.length === count) return w;
    if (data.byteOffset % 4 === 0) {
      this.words = new Uint32Array(data.buffer, data.byteOffset, count);
      return this.words;
    }
    // An unaligned buffer (e.g. a slice of Node's buffer pool): copy it into aligned scratch memory.
    if (this.aligned.length < count) this.aligned = new Uint32Array(count);
    new Uint8Array(this.aligned.buffer, 0, count * 4).set(data.subarray(0, count * 4));
    return this.aligned;
  }
}

/** Throws unless the pixels are the geometry's content size and `out` holds the input size's `channels` values a pixel. */
export function checkPackSizes(pixels: RgbaPixels, geometry: InputGeometry, out: { length: number }, channels: number, unit: string): void {
  const { contentWidth: cw, contentHeight: ch, inputWidth: iw, inputHeight: ih } = geometry;
  if (pixels.width !== cw || pixels.height !== ch) {
    throw new InvalidInputError(`Pixels are ${pixels.width}x${pixels.height}; the geometry expects ${cw}x${ch}.`);
  }
  if (pixels.data.length < cw * ch * 4) {
    throw new InvalidInputError(`Pixel buffer holds ${pixels.data.length} bytes; ${cw}x${ch} RGBA needs ${cw * ch * 4}.`);
  }
  const length = channels * iw * ih;
  if (out.length < length) throw new InvalidInputError(`Tensor buffer holds ${out.length} ${unit}; ${iw}x${ih}x${channels} needs ${length}.`);
}

export interface PackOptions {
  /**
   * Pack the image mirrored left to right (pixel column x goes to column contentWidth − 1 − x), for test-time
   * augmentation. Done while packing, so a flipped pass costs no extra pass over the pixels nor a second image.
   * Defaults to false.
   */
  flip?: boolean;
}

/**
 * Packs RGBA pixels into a planar float32 NCHW tensor: value = (pixel − mean) / std per channel in the model's
 * channel order (transparent pixels composited over black), the image at the top-left, padding 0. Holds its
 * lookup tables, so a frame allocates nothing.
 */
export class ImagePacker {
  private readonly luts: [Float32Array, Float32Array, Float32Array];
  /** Bit shift of each tensor channel's byte inside a little-endian RGBA word (R = 0, G = 8, B = 16). */
  private readonly shifts: Triple;
  private readonly words = new PixelWords();
  readonly layout = 'float32' as const;

  constructor(normalization: Normalization) {
    const { mean, std, channelOrder } = normalization;
    this.luts = [0, 1, 2].map((c) => {
      const lut = new Float32Array(256);
      for (let v = 0; v < 256; v++) lut[v] = (v - mean[c]) / std[c];
      return lut;
    }) as [Float32Array, Float32Array, Float32Array];
    this.shifts = channelOrder === 'BGR' ? [16, 8, 0] : [0, 8, 16];
  }

  /**
   * `count` tensor positions from `d` on, in every plane, from pixel words at `s`, `s + step`, … (one flat loop:
   * fastest; step −1 reads a row mirrored). A pixel that is not opaque is composited over black first (its
   * colour times alpha), as the browser's premultiplied bitmaps and a draw onto an opaque canvas give it, so
   * every path sees the same image.
   */
  private packRun(px: Uint32Array, out: Float32Array, plane: number, d: number, count: number, s: number, step: 1 | -1): void {
    const [lut0, lut1, lut2] = this.luts;
    const [s0, s1, s2] = this.shifts;
    const plane2 = 2 * plane;
    for (const end = d + count; d < end; d++, s += step) {
      const v = px[s];
      if (v >>> 24 === 255) {
        out[d] = lut0[(v >>> s0) & 255];
        out[d + plane] = lut1[(v >>> s1) & 255];
        out[d + plane2] = lut2[(v >>> s2) & 255];
      } else {
        const a = (v >>> 24) / 255;
        out[d] = lut0[Math.round(((v >>> s0) & 255) * a)];
        out[d + plane] = lut1[Math.round(((v >>> s1) & 255) * a)];
        out[d + plane2] = lut2[Math.round(((v >>> s2) & 255) * a)];
      }
    }
  }

  /**
   * Writes `pixels` (already at the geometry's content size) into `out`, which must hold at least
   * `tensorLength(geometry)` floats, mirrored if `options.flip`. Returns the tensor's view of `out` (the same
   * memory).
   */
  pack(pixels: RgbaPixels, geometry: InputGeometry, out: Float32Array, options: PackOptions = {}): Float32Array {
    const { contentWidth: cw, contentHeight: ch, inputWidth: iw, inputHeight: ih } = geometry;
    const plane = iw * ih;
    checkPackSizes(pixels, geometry, out, 3, 'floats');
    const px = this.words.of(pixels.data, cw * ch);
    if (!options.flip && cw === iw) {
      this.packRun(px, out, plane, 0, cw * ch, 0, 1);
    } else {
      for (let y = 0; y < ch; y++) {
        const rowStart = y * iw;
        if (options.flip) this.packRun(px, out, plane, rowStart, cw, (y + 1) * cw - 1, -1);
        else this.packRun(px, out, plane, rowStart, cw, y * cw, 1);
        if (cw < iw) for (let c = 0; c < 3; c++) out.fill(0, c * plane + rowStart + cw, c * plane + rowStart + iw);
      }
    }
    if (ch < ih) for (let c = 0; c < 3; c++) out.fill(0, c * plane + ch * iw, (c + 1) * plane);
    return out.length === 3 * plane ? out : out.subarray(0, 3 * plane);
  }
}
