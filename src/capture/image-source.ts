import { InvalidInputError, type Size } from '../core/index.ts';

/** Anything `detect()` accepts. */
export type ImageSource =
  | HTMLVideoElement
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | VideoFrame
  | ImageData
  | Blob;

const isInstance = <T>(value: unknown, name: string): value is T => {
  const Class = (globalThis as Record<string, unknown>)[name] as (new () => T) | undefined;
  return typeof Class === 'function' && value instanceof Class;
};

/**
 * The size of a drawable source as it will be drawn (EXIF orientation applied for images), or an
 * `InvalidInputError` when it has no pixels yet: a video without a frame, an image not loaded or broken.
 */
export function drawableSize(source: Exclude<ImageSource, Blob>): Size {
  let size: Size;
  if (isInstance<HTMLVideoElement>(source, 'HTMLVideoElement')) {
    if (source.readyState < 2 /* HAVE_CURRENT_DATA */ || source.videoWidth === 0) {
      throw new InvalidInputError('The video has no frame yet: wait for its "loadeddata" event (or use watch()).');
    }
    size = { width: source.videoWidth, height: source.videoHeight };
  } else if (isInstance<HTMLImageElement>(source, 'HTMLImageElement')) {
    if (!source.complete || source.naturalWidth === 0) {
      throw new InvalidInputError(`The image ${source.currentSrc || source.src || ''} is not loaded or is broken: wait for its "load" event.`.replace('  ', ' '));
    }
    size = { width: source.naturalWidth, height: source.naturalHeight };
  } else if (isInstance<VideoFrame>(source, 'VideoFrame')) {
    size = { width: source.displayWidth, height: source.displayHeight };
  } else {
    size = { width: (source as { width: number }).width, height: (source as { height: number }).height };
  }
  if (!(size.width > 0 && size.height > 0)) {
    throw new InvalidInputError(`The image is empty (${size.width}x${size.height}); it needs at least one pixel.`);
  }
  return size;
}

/** Decodes a Blob (JPEG, PNG, WebP…) into a bitmap, EXIF orientation applied. */
export async function decodeBlob(blob: Blob): Promise<ImageBitmap> {
  if (blob.size === 0) throw new InvalidInputError('The image file is empty (0 bytes).');
  try {
    return await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch (cause) {
    throw new InvalidInputError(`The file could not be decoded as an image (${blob.type || 'unknown type'}, ${blob.size} bytes).`, { cause });
  }
}

export const isBlob = (source: ImageSource): source is Blob => isInstance<Blob>(source, 'Blob');
export const isImageData = (source: ImageSource): source is ImageData => isInstance<ImageData>(source, 'ImageData');
