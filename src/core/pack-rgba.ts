import { InvalidInputError } from './errors.ts';
import type { InputGeometry } from './geometry.ts';
import { checkPackSizes, PixelWords, type Normalization, type PackOptions, type RgbaPixels } from './pack.ts';

/** The RGBA input's length in bytes (4 a pixel at the input size). */
export const rgbaLength = (g: InputGeometry): number => 4 * g.inputWidth * g.inputHeight;

/** A pixel word composited over black (its colour times alpha, rounded as `ImagePacker` does), made opaque. */
function overBlack(v: number): number {
  const a = (v >>> 24) / 255;
  return ((Math.round((v & 255) * a) | (Math.round(((v >>> 8) & 255) * a) << 8) | (Math.round(((v >>> 16) & 255) * a) << 16) | 0xff000000) >>> 0);
}

/**
 * Lays out frames for a model whose pre-processing is at the head of its graph (`addRgbaHead`): the RGBA bytes
 * at the input size, the image at the top-left, mirrored if asked, every padding pixel holding the mean's bytes
 * (which the head turns into 0) and every pixel opaque (a transparent one composited over black, as
 * `ImagePacker` does; pixels said to be `opaque` are not checked): so the model sees what it sees through `ImagePacker`, value for value.
 */
export class RgbaPacker {
  readonly layout = 'rgba' as const;
  /** A padding pixel: each channel's byte is its mean (the head subtracts it: 0). */
  private readonly padding: number;
  private readonly words = new PixelWords();
  private readonly outWords = new PixelWords();

  constructor(normalization: Normalization) {
    const { channelOrder, mean } = normalization;
    // The byte of RGBA each tensor channel reads.
    const byteOf = channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    const bytes = [0, 0, 0, 255];
    byteOf.forEach((b, c) => (bytes[b] = mean[c]));
    this.padding = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
  }

  /**
   * The pixels' own bytes, when they are the input as they are (no padding, no mirror, all opaque): nothing to
   * copy. Null otherwise (then `pack`).
   */
  asIs(pixels: RgbaPixels, geometry: InputGeometry, options: PackOptions = {}): Uint8Array | null {
    const { contentWidth: cw, contentHeight: ch, inputWidth: iw, inputHeight: ih } = geometry;
    if (options.flip || cw !== iw || ch !== ih || pixels.width !== cw || pixels.height !== ch || pixels.data.byteOffset % 4 !== 0) return null;
    const count = cw * ch;
    if (pixels.data.length < count * 4) return null;
    if (!pixels.opaque) {
      const px = this.words.of(pixels.data, count);
      for (let i = 0; i < count; i++) if (px[i] < 0xff000000) return null;
    }
    const data = pixels.data;
    return data instanceof Uint8Array && data.length === count * 4 ? data : new Uint8Array(data.buffer, data.byteOffset, count * 4);
  }

  /**
   * Writes `pixels` (at the geometry's content size) into `out`, which must hold at least `rgbaLength(geometry)`
   * bytes (4-aligned), mirrored if `options.flip`. Returns the input's view of `out` (the same memory).
   */
  pack(pixels: RgbaPixels, geometry: InputGeometry, out: Uint8Array, options: PackOptions = {}): Uint8Array {
    const { contentWidth: cw, contentHeight: ch, inputWidth: iw, inputHeight: ih } = geometry;
    checkPackSizes(pixels, geometry, out, 4, 'bytes');
    if (out.byteOffset % 4 !== 0) throw new InvalidInputError('The RGBA input buffer must start at a multiple of 4 bytes.');
    const px = this.words.of(pixels.data, cw * ch);
    const o = this.outWords.of(out, iw * ih);
    for (let y = 0; y < ch; y++) {
      const row = y * iw;
      if (options.flip) {
        for (let x = 0, s = (y + 1) * cw - 1; x < cw; x++, s--) o[row + x] = px[s];
      } else {
        o.set(px.subarray(y * cw, (y + 1) * cw), row);
      }
      if (!pixels.opaque) for (let x = row; x < row + cw; x++) if (o[x] < 0xff000000) o[x] = overBlack(o[x]);
      if (cw < iw) o.fill(this.padding, row + cw, row + iw);
    }
    if (ch < ih) o.fill(this.padding, ch * iw, iw * ih);
    return out.length === iw * ih * 4 ? out : out.subarray(0, iw * ih * 4);
  }
}
