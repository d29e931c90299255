import type { InputGeometry } from './geometry.ts';
import { rgbaLength, RgbaPacker } from './pack-rgba.ts';
import { ImagePacker, tensorLength, type Normalization, type PackOptions, type RgbaPixels } from './pack.ts';

/**
 * What a session takes: `'rgba'`, a frame's RGBA bytes at the input size (uint8 [1,H,W,4]; the model's
 * pre-processing runs at the head of its graph); or `'float32'`, the packed tensor ([1,3,H,W]).
 */
export type InputKind = 'rgba' | 'float32';

export type InputPacker = ImagePacker | RgbaPacker;

/** A packed input: float32 NCHW, or RGBA bytes. */
export type PackedInput = Float32Array | Uint8Array;

/** The packer for an input kind. */
export function createInputPacker(normalization: Normalization, kind: InputKind): InputPacker {
  return kind === 'rgba' ? new RgbaPacker(normalization) : new ImagePacker(normalization);
}

/** A zeroed input of the geometry's size. */
export function blankInput(kind: InputKind, g: InputGeometry): PackedInput {
  return kind === 'rgba' ? new Uint8Array(rgbaLength(g)) : new Float32Array(tensorLength(g));
}

/**
 * Packs `pixels` into `scratch` when it is of the packer's kind and large enough, else into a new buffer; returns
 * the packed input (keep it as the next call's scratch: a frame of the same size then allocates nothing).
 * `inPlace` lets an RGBA packer return the pixels' own bytes when they are the input as they are (only where
 * nobody else holds them and they are not transferred).
 */
export function packInput(packer: InputPacker, pixels: RgbaPixels, g: InputGeometry, scratch: PackedInput | null, options: PackOptions & { inPlace?: boolean } = {}): PackedInput {
  if (packer.layout === 'rgba') {
    const own = options.inPlace ? packer.asIs(pixels, g, options) : null;
    if (own) return own;
    const out = scratch instanceof Uint8Array && scratch.length >= rgbaLength(g) ? scratch : new Uint8Array(rgbaLength(g));
    return packer.pack(pixels, g, out, options);
  }
  const out = scratch instanceof Float32Array && scratch.length >= tensorLength(g) ? scratch : new Float32Array(tensorLength(g));
  return packer.pack(pixels, g, out, options);
}
