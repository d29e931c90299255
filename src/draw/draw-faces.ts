import type { Face } from '../core/index.ts';

/** How `drawFaces` draws. Sizes are in canvas pixels, so they do not change with `scale`. */
export interface FaceDrawStyle {
  /** Box outline and score label background. Defaults to `'#00e676'` (green). */
  color?: string;
  /** Box outline width. Defaults to 2. */
  lineWidth?: number;
  /** Landmark dot radius. Defaults to 3. */
  landmarkRadius?: number;
  /**
   * Colours of the five landmarks, in the model's order: left eye, right eye, nose, left mouth corner, right
   * mouth corner. Defaults to `['#2979ff', '#ff1744', '#ffea00', '#00b0ff', '#ff4081']` (left blue, right red,
   * nose yellow). An empty list draws no landmarks.
   */
  landmarkColors?: readonly string[];
  /**
   * Draw each face's score (two decimals) on a label above the box's top-left corner (inside the box when there
   * is no room above; always inside the canvas). Defaults to true.
   */
  showScore?: boolean;
  /** Put a tracked face's `id` on its label, before the score (`#3 0.98`). Defaults to true. */
  showId?: boolean;
  /** Label font. Defaults to `'12px system-ui, sans-serif'`. */
  font?: string;
  /** Label text colour. Defaults to `'#000'`. */
  labelColor?: string;
  /**
   * Factor from source pixels (what `detect()` reports) to canvas pixels, e.g. `canvas.width / video.videoWidth`;
   * a number or `{x, y}`. Defaults to 1.
   */
  scale?: number | { x: number; y: number };
}

/** The style `drawFaces` uses for every field you leave out. */
export const DEFAULT_FACE_DRAW_STYLE: Readonly<Required<FaceDrawStyle>> = Object.freeze({
  color: '#00e676',
  lineWidth: 2,
  landmarkRadius: 3,
  landmarkColors: Object.freeze(['#2979ff', '#ff1744', '#ffea00', '#00b0ff', '#ff4081']),
  showScore: true,
  showId: true,
  font: '12px system-ui, sans-serif',
  labelColor: '#000',
  scale: 1,
});

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** `v` within [lo, hi]; `lo` when the range is empty (a label larger than the canvas starts at its corner). */
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(v, hi));

/**
 * Draws each face's box, score and five landmarks onto a 2D context (a canvas over a video, for instance). It
 * draws on top of what is there (clear the canvas first for an overlay) and leaves the context's state as it
 * found it. Faces are in source pixels, as `detect()` and `watch()` report them; `style.scale` maps them to the
 * canvas.
 */
export function drawFaces(ctx: Context2D, faces: readonly Face[], style: FaceDrawStyle = {}): void {
  const s = { ...DEFAULT_FACE_DRAW_STYLE, ...style };
  const sx = typeof s.scale === 'number' ? s.scale : s.scale.x;
  const sy = typeof s.scale === 'number' ? s.scale : s.scale.y;
  ctx.save();
  try {
    ctx.lineWidth = s.lineWidth;
    ctx.strokeStyle = s.color;
    ctx.font = s.font;
    ctx.textBaseline = 'top';
    for (const face of faces) {
      const x = face.box.x * sx;
      const y = face.box.y * sy;
      const w = face.box.width * sx;
      const h = face.box.height * sy;
      ctx.strokeRect(x, y, w, h);

      const id = s.showId && face.id !== undefined ? `#${face.id}` : '';
      if (s.showScore || id) {
        const text = s.showScore ? (id ? `${id} ${face.score.toFixed(2)}` : face.score.toFixed(2)) : id;
        const pad = 2;
        const textHeight = Math.ceil(parseFloat(s.font) || 12);
        const labelW = Math.ceil(ctx.measureText(text).width) + 2 * pad;
        const labelH = textHeight + 2 * pad;
        // Above the box; inside it, at its top, when there is no room above (a face at the top edge, or cut
        // by it); never outside the canvas on any side. Whole pixels keep the text crisp.
        const { width: canvasW, height: canvasH } = ctx.canvas;
        const ly = clamp(Math.round(y - labelH >= 0 ? y - labelH : y), 0, canvasH - labelH);
        const lx = clamp(Math.round(x - s.lineWidth / 2), 0, canvasW - labelW);
        ctx.fillStyle = s.color;
        ctx.fillRect(lx, ly, labelW, labelH);
        ctx.fillStyle = s.labelColor;
        ctx.fillText(text, lx + pad, ly + pad);
      }

      face.landmarks.forEach(([px, py], k) => {
        const color = s.landmarkColors[k % s.landmarkColors.length];
        if (color === undefined) return;
        ctx.beginPath();
        ctx.arc(px * sx, py * sy, s.landmarkRadius, 0, 2 * Math.PI);
        ctx.fillStyle = color;
        ctx.fill();
      });
    }
  } finally {
    ctx.restore();
  }
}
