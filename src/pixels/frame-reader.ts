import type { RgbaPixels } from '../core/index.ts';

/**
 * Reads RGBA pixels: of any drawable at a given size through a reused OffscreenCanvas (resampled by the browser
 * when the size differs), or of a bitmap through `VideoFrame.copyTo` into a reused buffer. Works on the page and
 * in workers.
 */
export class FrameReader {
  private canvas: OffscreenCanvas | null = null;
  private context: OffscreenCanvasRenderingContext2D | null = null;
  private rgba = new Uint8Array(0);
  /** Whether `VideoFrame.copyTo` can convert to RGBA here; learnt on first use. */
  private copyToWorks = typeof VideoFrame === 'function';

  /**
   * The pixels of a bitmap at its own size, in memory reused for the next frame. `VideoFrame.copyTo` writes them straight into a reused buffer,
   * about twice as fast as drawing and `getImageData` (which allocates each frame) and pixel-identical;
   * browsers without RGBA conversion in `copyTo` take the canvas path.
   */
  async readBitmap(bitmap: ImageBitmap): Promise<RgbaPixels> {
    const { width, height } = bitmap;
    if (this.copyToWorks) {
      const frame = new VideoFrame(bitmap, { timestamp: 0 });
      try {
        // An EXIF-oriented bitmap becomes a frame of the stored pixels plus a rotation/flip, which copyTo does
        // not apply: such frames are drawn instead (drawImage honours the orientation).
        const upright = frame.codedWidth === width && frame.codedHeight === height;
        const pixels = upright ? await this.copyUpright(frame, width, height) : null;
        if (pixels) return pixels;
      } finally {
        frame.close();
      }
    }
    return this.read(bitmap, width, height);
  }

  /** The pixels of a video frame at its display size, as `readBitmap` reads a bitmap. */
  async readVideoFrame(frame: VideoFrame): Promise<RgbaPixels> {
    const { displayWidth: width, displayHeight: height, visibleRect: rect } = frame;
    const unscaled = rect !== null && rect.width === width && rect.height === height;
    const pixels = unscaled && this.copyToWorks ? await this.copyUpright(frame, width, height) : null;
    return pixels ?? this.read(frame, width, height);
  }

  /**
   * A frame's pixels through `copyTo` into the reused buffer; null if the frame is rotated or flipped (copyTo
   * does not apply that), or if this browser's copyTo cannot convert to RGBA (then never tried again).
   */
  private async copyUpright(frame: VideoFrame, width: number, height: number): Promise<RgbaPixels | null> {
    const { rotation = 0, flip = false } = frame as VideoFrame & { rotation?: number; flip?: boolean };
    if (rotation !== 0 || flip) return null;
    try {
      if (this.rgba.length !== width * height * 4) this.rgba = new Uint8Array(width * height * 4);
      await frame.copyTo(this.rgba, { format: 'RGBA' });
      // Camera and video frames come as I420, NV12 and the like: formats with alpha have an A in their name.
      return { data: this.rgba, width, height, opaque: frame.format !== null && !frame.format.includes('A') };
    } catch {
      this.copyToWorks = false;
      return null;
    }
  }

  read(source: CanvasImageSource, width: number, height: number): ImageData {
    if (!this.canvas || !this.context) {
      this.canvas = new OffscreenCanvas(width, height);
      // CPU-backed: we read every frame back.
      this.context = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
      if (!this.context) throw new Error('OffscreenCanvas 2D context is unavailable.');
    }
    const canvas = this.canvas;
    const ctx = this.context;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    ctx.imageSmoothingQuality = 'medium';
    ctx.drawImage(source, 0, 0, width, height);
    return ctx.getImageData(0, 0, width, height);
  }
}
