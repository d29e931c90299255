import { expect, test } from '@playwright/test';
import { openHarness } from './helpers.ts';

// drawFaces' score label, in Chromium's own canvas: where it lands at the edges of the canvas. The label's text
// is found by its colour (black on the green label: no other pixel is dark), and the label's green background
// around it must be there too, padding included: a clipped label loses its text's top rows or its padding.

interface Bounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** The label's background shows above, below and left of the text. */
  padded: boolean;
}

test('the score label is never clipped: above the box, inside it at the top edge, shifted in at the sides', async ({ page }) => {
  await openHarness(page);
  const W = 200;
  const H = 120;
  const cases: Record<string, { x: number; y: number; width: number; height: number }> = {
    middle: { x: 80, y: 50, width: 40, height: 40 },
    'top edge': { x: 80, y: 0, width: 40, height: 40 },
    'cut by the top': { x: 80, y: -12, width: 40, height: 40 },
    'near the top': { x: 80, y: 6, width: 40, height: 40 },
    'cut by the left': { x: -10, y: 50, width: 40, height: 40 },
    'at the right': { x: 190, y: 50, width: 40, height: 40 },
    'cut by the bottom': { x: 80, y: 100, width: 40, height: 40 },
  };
  const labels = await page.evaluate(
    ({ W, H, cases }) => {
      const bounds = (box: { x: number; y: number; width: number; height: number }) => {
        const face = { box, score: 0.97, landmarks: [] as [number, number][] };
        const draw = () => {
          const canvas = new OffscreenCanvas(W, H);
          const ctx = canvas.getContext('2d')!;
          window.rfw.drawFaces(ctx, [face], { landmarkColors: [], color: '#00ff00', labelColor: '#000000' });
          return ctx.getImageData(0, 0, W, H).data;
        };
        const px = draw();
        const b = { left: W, top: H, right: -1, bottom: -1 };
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const i = 4 * (y * W + x);
            if (px[i + 3] < 200 || px[i] + px[i + 1] + px[i + 2] > 200) continue; // not the label's dark text
            b.left = Math.min(b.left, x);
            b.top = Math.min(b.top, y);
            b.right = Math.max(b.right, x);
            b.bottom = Math.max(b.bottom, y);
          }
        }
        // The label's background at the middle column, one pixel beyond the text above and below (the padding).
        const green = (x: number, y: number) => {
          if (x < 0 || y < 0 || x >= W || y >= H) return false;
          const i = 4 * (y * W + x);
          return px[i + 1] > 200 && px[i] < 50 && px[i + 3] === 255;
        };
        const mid = Math.round((b.left + b.right) / 2);
        return { ...b, padded: green(mid, b.top - 1) && green(mid, b.bottom + 1) && green(b.left - 1, b.top) };
      };
      return Object.fromEntries(Object.entries(cases).map(([name, box]) => [name, bounds(box)]));
    },
    { W, H, cases },
  ) as Record<string, Bounds>;
  const size = (b: Bounds) => ({ width: b.right - b.left + 1, height: b.bottom - b.top + 1 });
  const whole = size(labels.middle);
  expect(whole.height).toBeGreaterThanOrEqual(6); // "0.97" in a 12 px font
  expect(whole.width).toBeGreaterThanOrEqual(15);
  expect(labels.middle.padded).toBe(true);
  // In the middle the label sits above the box.
  expect(labels.middle.bottom).toBeLessThan(cases.middle.y);
  for (const [name, b] of Object.entries(labels)) {
    // Whole wherever the face is: its text the same size as in the middle, its padding there, in the canvas.
    expect(size(b), name).toEqual(whole);
    expect(b.padded, `${name}: padding`).toBe(true);
    expect(b.left, name).toBeGreaterThan(0);
    expect(b.top, name).toBeGreaterThan(0);
    expect(b.right, name).toBeLessThan(W - 1);
    expect(b.bottom, name).toBeLessThan(H - 1);
  }
  // No room above: inside the box, at its top (at the canvas's top when the box is cut by it).
  expect(labels['top edge'].top).toBeLessThan(8);
  expect(labels['cut by the top'].top).toBeLessThan(8);
  expect(labels['near the top'].top).toBeGreaterThan(cases['near the top'].y);
  // At the sides: moved in so that it fits.
  expect(labels['cut by the left'].left).toBeLessThan(6);
  expect(labels['at the right'].right).toBeGreaterThan(W - 6);
  // Cut by the bottom: above the box as usual.
  expect(labels['cut by the bottom'].bottom).toBeLessThan(cases['cut by the bottom'].y);
});
