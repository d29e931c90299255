import { InvalidInputError } from './errors.ts';
import type { InputGeometry } from './geometry.ts';
import type { ChannelOrder, Triple } from './model-descriptor.ts';

/** RGBA pixels, row-major, 4 bytes a pixel, as in `ImageData`. */
export interface RgbaPixels {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
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
 * Packs RGBA pixels into a planar float32 NCHW tensor: value = (pixel − mean) / std per channel in the model's
 * channel order, the image at the top-left, padding 0. Holds its lookup tables, so a frame allocates nothing.
 */
export class ImagePacker {
  private readonly luts: [Float32Array, Float32Array, Float32Array];
  /** RGBA byte offset feeding each tensor channel. */
  private readonly sourceChannel: Triple;

  constructor(normalization: Normalization) {
    const { mean, std, channelOrder } = normalization;
    this.luts = [0, 1, 2].map((c) => {
      const lut = new Float32Array(256);
      for (let v = 0; v < 256; v++) lut[v] = (v - mean[c]) / std[c];
      return lut;
    }) as [Float32Array, Float32Array, Float32Array];
    this.sourceChannel = channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  }

  /**
   * Writes `pixels` (already at the geometry's content size) into `out`, which must hold at least
   * `tensorLength(geometry)` floats. Returns the tensor's view of `out` (the same memory).
   */
  pack(pixels: RgbaPixels, geometry: InputGeometry, out: Float32Array): Float32Array {
    const { contentWidth: cw, contentHeight: ch, inputWidth: iw, inputHeight: ih } = geometry;
    if (pixels.width !== cw || pixels.height !== ch) {
      throw new InvalidInputError(`Pixels are ${pixels.width}x${pixels.height}; the geometry expects ${cw}x${ch}.`);
    }
    if (pixels.data.length < cw * ch * 4) {
      throw new InvalidInputError(`Pixel buffer holds ${pixels.data.length} bytes; ${cw}x${ch} RGBA needs ${cw * ch * 4}.`);
    }
    const plane = iw * ih;
    if (out.length < 3 * plane) {
      throw new InvalidInputError(`Tensor buffer holds ${out.length} floats; ${iw}x${ih}x3 needs ${3 * plane}.`);
    }
    const px = pixels.data;
    const [lut0, lut1, lut2] = this.luts;
    const [c0, c1, c2] = this.sourceChannel;
    for (let y = 0; y < ch; y++) {
      let s = y * cw * 4;
      const rowStart = y * iw;
      const rowEnd = rowStart + cw;
      for (let d = rowStart; d < rowEnd; d++, s += 4) {
        out[d] = lut0[px[s + c0]];
        out[d + plane] = lut1[px[s + c1]];
        out[d + 2 * plane] = lut2[px[s + c2]];
      }
      if (cw < iw) for (let c = 0; c < 3; c++) out.fill(0, c * plane + rowEnd, c * plane + rowStart + iw);
    }
    if (ch < ih) for (let c = 0; c < 3; c++) out.fill(0, c * plane + ch * iw, (c + 1) * plane);
    return out.length === 3 * plane ? out : out.subarray(0, 3 * plane);
  }
}
