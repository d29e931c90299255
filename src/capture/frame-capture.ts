import { isUnscaled, packInput, planGeometry, type InputGeometry, type InputPacker, type PackedInput, type Size } from '../core/index.ts';
import type { DetectSettings } from '../options/resolve-options.ts';
import { FrameReader } from '../pixels/frame-reader.ts';
import type { Frame } from '../worker/protocol.ts';
import { checkImageSource, decodeBlob, drawableSize, isBlob, isImageData, isVideo, isVideoFrame, type ImageSource } from './image-source.ts';

/** A frame taken from a source, ready to send to the worker. */
export interface CapturedFrame {
  frame: Frame;
  geometry: InputGeometry;
  sourceSize: Size;
  /** From the call until the frame was ready to send, ms. */
  capture: number;
  /** Synchronous time on the calling thread, ms. */
  mainThread: number;
}

const now = () => performance.now();

type Drawable = Exclude<ImageSource, Blob>;

/**
 * Takes frames on the page. The pixels are those of the moment of the call: a canvas drawn on afterwards, or a
 * video that moves on, does not change what is detected (the bitmap's snapshot, or the packed tensor, is taken
 * synchronously). Keeps a reader and a spare tensor, so the tensor path allocates nothing per frame.
 */
export class FrameCapture {
  private readonly reader = new FrameReader();
  private scratch: OffscreenCanvas | null = null;
  private spare: PackedInput | null = null;
  private videoFramesWork = typeof VideoFrame === 'function';

  constructor(
    /** Lays out tensor-path frames as the worker's session takes them. */
    private readonly packer: InputPacker,
    private readonly modelInputSize: Size | null,
  ) {}

  /** Starts the capture now; throws `InvalidInputError` at once for a source that cannot be detected on. */
  capture(source: unknown, settings: DetectSettings): Promise<CapturedFrame> {
    const t0 = now();
    checkImageSource(source);
    if (isBlob(source)) return this.captureBlob(source, settings, t0);
    return this.captureDrawable(source, settings, t0);
  }

  /** The whole image as a bitmap at its own size (best-quality mode resizes it in the worker), taken now. */
  captureWhole(source: unknown): Promise<{ bitmap: ImageBitmap; sourceSize: Size; capture: number; mainThread: number }> {
    const t0 = now();
    checkImageSource(source);
    if (isBlob(source)) {
      return decodeBlob(source).then((bitmap) => {
        const spent = now() - t0;
        return { bitmap, sourceSize: { width: bitmap.width, height: bitmap.height }, capture: spent, mainThread: 0 };
      });
    }
    const sourceSize = drawableSize(source);
    const pending = createImageBitmap(source as ImageBitmapSource);
    const mainThread = now() - t0;
    return pending.then((bitmap) => ({ bitmap, sourceSize, capture: now() - t0, mainThread }));
  }

  /** Hands back a tensor the worker returned, for the next frame. */
  recycle(tensor: PackedInput): void {
    this.spare = tensor;
  }

  private captureDrawable(source: Drawable, settings: DetectSettings, t0: number, mainThreadBefore = 0): Promise<CapturedFrame> {
    const sourceSize = drawableSize(source);
    const geometry = planGeometry(sourceSize, this.modelInputSize, settings);
    if (settings.framePath === 'tensor') {
      const tensor = this.pack(source, geometry);
      const spent = now() - t0;
      return Promise.resolve({ frame: { kind: 'tensor', tensor }, geometry, sourceSize, capture: spent, mainThread: mainThreadBefore + spent });
    }
    const videoFrame = this.videoFrameOf(source);
    if (videoFrame) {
      const spent = now() - t0;
      return Promise.resolve({ frame: { kind: 'video-frame', frame: videoFrame }, geometry, sourceSize, capture: spent, mainThread: mainThreadBefore + spent });
    }
    const bitmap = createImageBitmap(source as ImageBitmapSource, this.resize(geometry));
    const mainThread = mainThreadBefore + now() - t0;
    return bitmap.then((b) => ({ frame: { kind: 'bitmap', bitmap: b }, geometry, sourceSize, capture: now() - t0, mainThread }));
  }

  private async captureBlob(blob: Blob, settings: DetectSettings, t0: number): Promise<CapturedFrame> {
    const decoded = await decodeBlob(blob);
    try {
      return await this.captureDrawable(decoded, settings, now(), now() - t0);
    } finally {
      decoded.close();
    }
  }

  /**
   * A video's current frame (or a copy of a given VideoFrame) as a VideoFrame: it only references the decoded
   * frame, where a bitmap of a video converts every pixel on this thread (~5 ms at 640x480 here); the worker
   * converts it. Null where the browser cannot (no WebCodecs, or a video it cannot wrap): a bitmap then.
   */
  private videoFrameOf(source: Drawable): VideoFrame | null {
    if (!this.videoFramesWork) return null;
    try {
      if (isVideo(source)) return new VideoFrame(source);
      if (isVideoFrame(source)) return source.clone();
    } catch {
      this.videoFramesWork = false;
    }
    return null;
  }

  /** The browser scales the frame to the content size while making the bitmap. */
  private resize(geometry: InputGeometry): ImageBitmapOptions {
    return isUnscaled(geometry) ? {} : { resizeWidth: geometry.contentWidth, resizeHeight: geometry.contentHeight, resizeQuality: 'medium' };
  }

  /** Tensor path: the pixels at the content size, packed into the spare buffer. */
  private pack(source: Drawable, geometry: InputGeometry): PackedInput {
    const { contentWidth: w, contentHeight: h } = geometry;
    let pixels;
    if (isImageData(source)) {
      pixels = isUnscaled(geometry) ? source : this.reader.read(this.imageDataCanvas(source), w, h);
    } else {
      pixels = this.reader.read(source as CanvasImageSource, w, h);
    }
    // Into the spare buffer (transferred to the worker, handed back), never in place: the pixels stay the caller's.
    const spare = this.spare;
    this.spare = null;
    return packInput(this.packer, pixels, geometry, spare);
  }

  /** ImageData cannot be drawn scaled: it is put on a canvas of its own size first. */
  private imageDataCanvas(data: ImageData): OffscreenCanvas {
    const canvas = this.scratch && this.scratch.width === data.width && this.scratch.height === data.height ? this.scratch : new OffscreenCanvas(data.width, data.height);
    this.scratch = canvas;
    canvas.getContext('2d')!.putImageData(data, 0, 0);
    return canvas;
  }
}
