import type SharpModule from 'sharp';
import { InvalidInputError, isUnscaled, type InputGeometry, type RgbaPixels } from '../core/index.ts';
import { MissingDependencyError } from './missing-dependency.ts';

/** A decoded image: RGBA pixels at the image's own size, EXIF orientation applied. */
export type DecodedImage = RgbaPixels & { data: Uint8Array };

let sharpModule: Promise<typeof SharpModule> | null = null;

/**
 * sharp, an optional peer dependency (only the Node CLI needs it): rejects with a `MissingDependencyError`
 * naming the fix when it is not installed. Commands call it before they start, so they fail at once.
 */
export function loadSharp(): Promise<typeof SharpModule> {
  sharpModule ??= import('sharp').then(
    (m) => m.default,
    (cause) => {
      sharpModule = null;
      const notInstalled = (cause as { code?: string })?.code === 'ERR_MODULE_NOT_FOUND';
      const reason = notInstalled ? 'which is not installed' : `which is installed but failed to load (${String((cause as Error)?.message ?? cause).split('\n')[0]})`;
      throw new MissingDependencyError(`the command line decodes images with sharp, ${reason}: run \`npm install sharp\`.`, { cause });
    },
  );
  return sharpModule;
}

/**
 * Decodes a JPEG/PNG (or anything libvips reads) to RGBA with sharp, whose libjpeg-turbo decoder gives the
 * same pixels browsers do (spec §6.5). EXIF orientation is applied. Truncated or unreadable files throw
 * `InvalidInputError` naming the file.
 */
export async function decodeImageFile(file: string): Promise<DecodedImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(file, { failOn: 'truncated' })
      .rotate()
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (cause) {
    throw new InvalidInputError(`Cannot read image ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** The image at the geometry's content size: itself when unscaled, else resampled (bilinear). */
export async function fitImage(image: DecodedImage, geometry: InputGeometry): Promise<DecodedImage> {
  if (isUnscaled(geometry)) return image;
  const sharp = await loadSharp();
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(geometry.contentWidth, geometry.contentHeight, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: geometry.contentWidth, height: geometry.contentHeight };
}
