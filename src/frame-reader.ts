/**
 * Reads RGBA pixels of a drawable at a given size through a reused OffscreenCanvas (resampled by the browser
 * when the size differs). Works on the page and in workers.
 */
export class FrameReader {
  private canvas: OffscreenCanvas | null = null;
  private context: OffscreenCanvasRenderingContext2D | null = null;

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
