// Helpers for the demo page's tests (demo-*.spec.ts).
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';
import type { Box } from '../../src/index.ts';
import type { DemoResult } from '../../src/demo/automation.ts';
import { serveShared, sharedFile } from './helpers.ts';

export const CLIP = sharedFile('testdata/video/wider_20_277_pan.y4m');

/** Opens the demo page (with `query`, e.g. `backend=wasm`) and waits until its model is ready. */
export async function openDemo(page: Page, query = '', until: 'ready' | 'error' | 'none' = 'ready'): Promise<void> {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await serveShared(page);
  await page.goto(`/${query ? `?${query}` : ''}`);
  if (until !== 'none') await expect(page.locator('#status')).toHaveAttribute('data-state', until, { timeout: 120_000 });
}

/** A result plus, for each face, the overlay's opacity on the box's left edge (0: nothing drawn there). */
export type SampledResult = DemoResult & { edgeAlpha: number[] };

/**
 * Waits for `count` new results (each read in the same task as the overlay is sampled, so they agree).
 */
export function collectResults(page: Page, count: number): Promise<SampledResult[]> {
  return page.evaluate(async (count) => {
    const overlay = document.getElementById('overlay') as HTMLCanvasElement;
    const ctx = overlay.getContext('2d')!;
    const out: SampledResult[] = [];
    let last = window.retinafaceDemo?.latest?.seq ?? 0;
    while (out.length < count) {
      await new Promise((r) => setTimeout(r, 10));
      const latest = window.retinafaceDemo?.latest;
      if (!latest || latest.seq === last) continue;
      last = latest.seq;
      const sx = overlay.width / latest.sourceSize.width;
      const sy = overlay.height / latest.sourceSize.height;
      const edgeAlpha = latest.faces.map((f) => {
        const x = Math.round(f.box.x * sx) - 2;
        const y = Math.round((f.box.y + f.box.height / 2) * sy) - 2;
        const px = ctx.getImageData(Math.max(0, x), Math.max(0, y), 5, 5).data;
        let max = 0;
        for (let i = 3; i < px.length; i += 4) max = Math.max(max, px[i]);
        return max;
      });
      out.push({ ...structuredClone(latest), edgeAlpha });
    }
    return out;
  }, count) as Promise<SampledResult[]>;
}

// ---- the fake webcam clip's ground truth ----

interface GtFace {
  x: number;
  y: number;
  w: number;
  h: number;
  visible_fraction: number;
}
interface GtFile {
  size: [number, number];
  per_frame: { frame: number; faces: GtFace[] }[];
}
export const clipTruth: GtFile = JSON.parse(readFileSync(sharedFile('testdata/video/wider_20_277_pan.gt.json'), 'utf8'));
const [W, H] = clipTruth.size;

export function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = iw * ih;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

const toBox = (f: GtFace): Box => ({ x: f.x, y: f.y, width: f.w, height: f.h });
const clipToFrame = (b: Box): Box => {
  const x = Math.max(0, b.x);
  const y = Math.max(0, b.y);
  return { x, y, width: Math.min(W, b.x + b.width) - x, height: Math.min(H, b.y + b.height) - y };
};
const mirrorBox = (b: Box): Box => ({ ...b, x: W - b.x - b.width });

/**
 * IoU of a reported box with a ground-truth face: the better of the box as annotated and the box clipped to
 * the frame (faces cut by the frame edge are annotated whole; the detector sees only the visible part).
 */
const gtIou = (box: Box, gt: Box) => Math.max(iou(box, gt), iou(box, clipToFrame(gt)));

/** "Large and fully visible": inside the frame and at least 55 px tall (the clip's three biggest faces). */
export const isLargeAndVisible = (f: GtFace) => f.visible_fraction === 1 && f.h >= 55;

export interface FrameMatch {
  frame: number;
  /** Per reported face: its best IoU with a ground-truth face of `frame`. */
  faceIous: number[];
  /** Large, fully visible ground-truth faces of `frame` and the best IoU a reported face has with each. */
  large: { box: Box; iou: number }[];
}

/**
 * Which of the clip's 20 frames a result came from (the camera loops the clip, so the page cannot know): the
 * frame whose ground truth matches (IoU >= 0.5) the most reported boxes, ties broken by the summed IoU. The
 * pan moves 20 px a frame, so the boxes of neighbouring frames overlap the ~45 px faces with IoU < 0.5.
 * `mirrored`: the ground truth is flipped (x → 640 − x − w) first, as a selfie view shows it.
 */
export function matchFrame(boxes: Box[], mirrored: boolean): FrameMatch {
  let best: FrameMatch | null = null;
  let bestKey = [-1, -1];
  for (const { frame, faces } of clipTruth.per_frame) {
    const truth = faces.map((f) => ({ f, box: mirrored ? mirrorBox(toBox(f)) : toBox(f) }));
    const faceIous = boxes.map((b) => Math.max(0, ...truth.map((t) => gtIou(b, t.box))));
    const key = [faceIous.filter((v) => v >= 0.5).length, faceIous.reduce((s, v) => s + v, 0)];
    if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
      bestKey = key;
      const large = truth.filter((t) => isLargeAndVisible(t.f)).map((t) => ({ box: t.box, iou: Math.max(0, ...boxes.map((b) => gtIou(b, t.box))) }));
      best = { frame, faceIous, large };
    }
  }
  return best!;
}
