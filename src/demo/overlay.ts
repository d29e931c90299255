import { drawFaces, type Face, type FaceDrawStyle, type Size } from '../index.ts';
import { canvasFont, loadFonts } from './fonts.ts';

/**
 * The canvas over the video or image. Its backing store follows its displayed size (times devicePixelRatio),
 * so lines stay crisp at any zoom; faces in source pixels are scaled onto it by `drawFaces`.
 */
export class Overlay {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { faces: readonly Face[]; source: Size } | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly style: FaceDrawStyle = {},
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('No 2D canvas context for the overlay.');
    this.ctx = ctx;
    // Redraw the last faces when the layout changes the displayed size, and once the label font has loaded
    // (labels drawn before that are in a system font).
    const redraw = () => this.last && this.draw(this.last.faces, this.last.source);
    new ResizeObserver(redraw).observe(canvas);
    void loadFonts().then(redraw);
  }

  /** Clears the overlay and draws `faces` (in pixels of a `source`-sized frame). Returns the time it took, ms. */
  draw(faces: readonly Face[], source: Size): number {
    const t0 = performance.now();
    this.last = { faces, source };
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const height = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    } else {
      this.ctx.clearRect(0, 0, width, height);
    }
    drawFaces(this.ctx, faces, {
      ...this.style,
      lineWidth: (this.style.lineWidth ?? 2) * dpr,
      landmarkRadius: (this.style.landmarkRadius ?? 3) * dpr,
      font: canvasFont(Math.round(12 * dpr)),
      scale: { x: width / source.width, y: height / source.height },
    });
    return performance.now() - t0;
  }

  clear(): void {
    this.last = null;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }
}
