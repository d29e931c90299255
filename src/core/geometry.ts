import { InvalidInputError } from './errors.ts';
import type { Size } from './model-descriptor.ts';

/**
 * Where an image sits in the model's input tensor. The image is scaled to `content*` and placed at the
 * top-left corner of an `input*` tensor; the rest is padding (tensor value 0, i.e. black for raw-pixel models,
 * the mean colour for mean-subtracted ones). Detections map back with `x / scaleX`, `y / scaleY`, then the
 * optional mirror `x → sourceWidth − x`.
 */
export interface InputGeometry {
  sourceWidth: number;
  sourceHeight: number;
  contentWidth: number;
  contentHeight: number;
  inputWidth: number;
  inputHeight: number;
  /** Flip results horizontally (selfie view): x → sourceWidth − x, left/right landmarks swapped. */
  mirror: boolean;
}

/** `'native'`: the image's own size (padded up to a multiple of 32); or an explicit tensor size. */
export type InputSizeRequest = 'native' | Size;

export const SIZE_MULTIPLE = 32;
/** Browsers cap canvases near 16384 px a side; no larger image is accepted as a source. */
export const MAX_SOURCE_SIDE = 16384;
/**
 * The largest input tensor side. A 4096x4096 tensor is 200 MB of floats and the model's activations several
 * times that, close to what a 32-bit WebAssembly heap (4 GB) can hold.
 */
export const MAX_INPUT_SIDE = 4096;
export const DEFAULT_INPUT_SIZE: InputSizeRequest = 'native';
export const DEFAULT_MAX_INPUT_SIZE: Readonly<Size> = Object.freeze({ width: 1920, height: 1920 });
export const DEFAULT_MIRROR = false;

/** Where the image goes in the tensor. Not validated here: options are checked once, where they enter the API. */
export interface GeometryOptions {
  /**
   * Input tensor size. `'native'` runs a dynamic-size model at the image's own size padded to a multiple of 32
   * (scaled down to fit `maxInputSize`); a `{width, height}` (each 1 to 4096, rounded up to a multiple of 32)
   * letterboxes the image into that size: smaller is faster, larger finds smaller faces. A fixed-size model
   * always uses its own size. Defaults to `'native'` (`DEFAULT_INPUT_SIZE`).
   */
  inputSize?: InputSizeRequest;
  /**
   * Largest tensor for `'native'` (each side 32 to 4096): larger images are scaled down to fit. Defaults to
   * 1920x1920 (`DEFAULT_MAX_INPUT_SIZE`).
   */
  maxInputSize?: Size;
  /**
   * Mirror results horizontally, for a selfie view: x → width − x, left/right landmarks swapped. Defaults to
   * false (`DEFAULT_MIRROR`).
   */
  mirror?: boolean;
}

/** Geometry options with every default applied. */
export type GeometrySettings = Required<GeometryOptions>;

export const roundUpToMultiple = (v: number, m = SIZE_MULTIPLE): number => Math.ceil(v / m) * m;

export const scaleX = (g: InputGeometry): number => g.contentWidth / g.sourceWidth;
export const scaleY = (g: InputGeometry): number => g.contentHeight / g.sourceHeight;

function checkSide(value: number, what: string, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidInputError(`${what} must be a whole number from 1 to ${max}; got ${value}.`);
  }
}

/** Scales `source` to fit `target` keeping its aspect ratio (letterbox content size, top-left aligned). */
function fitInside(source: Size, target: Size): Size {
  const s = Math.min(target.width / source.width, target.height / source.height);
  return {
    width: Math.min(target.width, Math.max(1, Math.round(source.width * s))),
    height: Math.min(target.height, Math.max(1, Math.round(source.height * s))),
  };
}

/**
 * Plans the input tensor for an image: a fixed-size model letterboxes into its size; a dynamic model runs at the
 * image's own size rounded up to a multiple of 32 (zero padding bottom/right, no resampling) when that fits
 * `maxInputSize`, else scaled down to fit; an explicit size letterboxes into that size (rounded up to 32).
 */
export function planGeometry(source: Size, modelInputSize: Size | null, options: GeometryOptions = {}): InputGeometry {
  checkSide(source.width, 'Image width', MAX_SOURCE_SIDE);
  checkSide(source.height, 'Image height', MAX_SOURCE_SIDE);
  const mirror = options.mirror ?? DEFAULT_MIRROR;
  const request = options.inputSize ?? DEFAULT_INPUT_SIZE;
  const base = { sourceWidth: source.width, sourceHeight: source.height, mirror };

  if (modelInputSize) {
    if (request !== 'native' && (request.width !== modelInputSize.width || request.height !== modelInputSize.height)) {
      throw new InvalidInputError(
        `This model has a fixed input of ${modelInputSize.width}x${modelInputSize.height}; ` +
          `${request.width}x${request.height} was requested. Use the model's size or a dynamic-size model.`,
      );
    }
    const content = fitInside(source, modelInputSize);
    return { ...base, contentWidth: content.width, contentHeight: content.height, inputWidth: modelInputSize.width, inputHeight: modelInputSize.height };
  }

  if (request === 'native') {
    const max = options.maxInputSize ?? DEFAULT_MAX_INPUT_SIZE;
    // The padded tensor must fit too, so the usable maximum is a multiple of 32.
    const limit = {
      width: Math.max(SIZE_MULTIPLE, Math.floor(max.width / SIZE_MULTIPLE) * SIZE_MULTIPLE),
      height: Math.max(SIZE_MULTIPLE, Math.floor(max.height / SIZE_MULTIPLE) * SIZE_MULTIPLE),
    };
    const fits = source.width <= limit.width && source.height <= limit.height;
    const content = fits ? source : fitInside(source, limit);
    return {
      ...base,
      contentWidth: content.width,
      contentHeight: content.height,
      inputWidth: roundUpToMultiple(content.width),
      inputHeight: roundUpToMultiple(content.height),
    };
  }

  const target = { width: roundUpToMultiple(request.width), height: roundUpToMultiple(request.height) };
  const content = fitInside(source, target);
  return { ...base, contentWidth: content.width, contentHeight: content.height, inputWidth: target.width, inputHeight: target.height };
}

/** True when the image enters the tensor at its own size (no resampling needed). */
export const isUnscaled = (g: InputGeometry): boolean =>
  g.contentWidth === g.sourceWidth && g.contentHeight === g.sourceHeight;
