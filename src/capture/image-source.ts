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

const SOURCE_CLASSES = ['HTMLVideoElement', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'VideoFrame', 'ImageData', 'Blob'];

const isInstance = <T>(value: unknown, name: string): value is T => {
  const Class = (globalThis as Record<string, unknown>)[name] as (new () => T) | undefined;
  return typeof Class === 'function' && value instanceof Class;
};

export const isBlob = (source: ImageSource): source is Blob => isInstance<Blob>(source, 'Blob');
export const isImageData = (source: ImageSource): source is ImageData => isInstance<ImageData>(source, 'ImageData');
export const isVideo = (source: ImageSource): source is HTMLVideoElement => isInstance<HTMLVideoElement>(source, 'HTMLVideoElement');
export const isVideoFrame = (source: ImageSource): source is VideoFrame => isInstance<VideoFrame>(source, 'VideoFrame');

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? 'a plain object' : `a ${proto.constructor?.name ?? 'object'}`;
}

/** Rejects anything that is not an `ImageSource` with an error that says what was passed. */
export function checkImageSource(value: unknown): asserts value is ImageSource {
  if (!SOURCE_CLASSES.some((name) => isInstance(value, name))) {
    throw new InvalidInputError(
      `detect() takes an <img>, <video>, <canvas>, OffscreenCanvas, ImageBitmap, VideoFrame, ImageData or Blob; got ${describe(value)}.`,
    );
  }
}

/**
 * The size of a drawable source as it will be drawn (EXIF orientation applied for images), or an
 * `InvalidInputError` when it has no pixels: a video without a frame, an image not loaded or broken, a closed
 * bitmap or frame, an ImageData whose buffer was transferred away.
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
    if (source.format === null && source.displayWidth === 0) throw new InvalidInputError('The VideoFrame is closed.');
    size = { width: source.displayWidth, height: source.displayHeight };
  } else if (isInstance<ImageData>(source, 'ImageData')) {
    if (source.data.length !== source.width * source.height * 4) {
      throw new InvalidInputError(`The ImageData holds ${source.data.length} bytes, not ${source.width}x${source.height}x4: its buffer was transferred or detached.`);
    }
    size = { width: source.width, height: source.height };
  } else {
    size = { width: (source as { width: number }).width, height: (source as { height: number }).height };
    if (isInstance<ImageBitmap>(source, 'ImageBitmap') && size.width === 0) throw new InvalidInputError('The ImageBitmap is closed (0x0).');
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
