import { expect, test, type Page } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { CLIP, collectResults, matchFrame, openDemo, type SampledResult } from './demo-helpers.ts';

// Chromium's fake webcam plays the 640x480, 10 fps test clip in a loop.
test.use({
  launchOptions: launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${CLIP}`]),
});

/**
 * The ground-truth rule, per result (at least 6 consecutive results):
 * - its frame is the clip frame whose ground truth best explains the boxes (see `matchFrame`);
 * - every reported face has IoU >= 0.5 with a ground-truth face of that frame (as annotated, or clipped to the
 *   frame for faces cut by the edge);
 * - every large, fully visible ground-truth face of that frame (visible_fraction 1 and at least 55 px tall: the
 *   clip's three biggest faces; every frame has at least one) has a reported face with IoU >= 0.5.
 * Settings (chosen in the page's controls): input size 1280x960 and score threshold 0.7. The default
 * MobileNet-0.25 misses or loosely boxes this clip's 44-66 px, half-hidden faces at the native 640x480 and
 * finds them when they are enlarged 2x; below score 0.7 it adds boxes on faces hidden by costume hats whose IoU
 * with the (whole-head) annotation is 0.48-0.55, on the rule's edge. Measured in this page over all 20 frames:
 * faces at score >= 0.7 have IoU >= 0.56 with their annotation, the large faces IoU >= 0.63.
 */
function expectMatchesGroundTruth(results: SampledResult[], mirrored: boolean): void {
  for (const r of results) {
    expect(r.mirrored).toBe(mirrored);
    expect(r.sourceSize).toEqual({ width: 640, height: 480 });
    expect(r.inputSize).toEqual({ width: 1280, height: 960 });
    for (const f of r.faces) expect(f.score).toBeGreaterThanOrEqual(0.7);
    const boxes = r.faces.map((f) => f.box);
    const m = matchFrame(boxes, mirrored);
    const where = `result ${r.seq} (clip frame ${m.frame}): ${JSON.stringify(boxes.map((b) => [b.x, b.y, b.width, b.height].map(Math.round)))}`;
    expect(m.large.length, where).toBeGreaterThan(0);
    for (const v of m.faceIous) expect(v, `every reported face matches the ground truth; ${where}`).toBeGreaterThanOrEqual(0.5);
    for (const g of m.large) expect(g.iou, `large visible face ${JSON.stringify(g.box)} found; ${where}`).toBeGreaterThanOrEqual(0.5);
    // The overlay drew each box where the result says (its left edge is painted).
    for (const a of r.edgeAlpha) expect(a, `overlay at a reported box; ${where}`).toBeGreaterThan(100);
    for (const f of r.faces.filter((f) => f.score >= 0.9)) {
      // Landmarks keep image-left first in both views: left eye left of right eye, nose inside the box.
      expect(f.landmarks[0][0], where).toBeLessThan(f.landmarks[1][0]);
      expect(f.landmarks[2][0]).toBeGreaterThan(f.box.x);
      expect(f.landmarks[2][0]).toBeLessThan(f.box.x + f.box.width);
    }
  }
}

/** Sets the test's detection settings through the controls, the score slider from the keyboard. */
async function chooseSettings(page: Page): Promise<void> {
  await page.getByLabel('Input size').selectOption('1280x960');
  await page.getByLabel(/Score threshold/).focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(page.locator('#score-value')).toHaveText('0.70');
}

async function startCamera(page: Page): Promise<void> {
  // Keyboard only: focus the real button and press Enter.
  await page.getByRole('button', { name: 'Start camera' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Stop camera' })).toBeVisible();
  // Focus stayed on the button through the start (a button disabled meanwhile would drop it to the body).
  await expect(page.getByRole('button', { name: 'Stop camera' })).toBeFocused();
  // Faces within a few seconds (generous bound: CPU shared with other jobs).
  await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.faces.length ?? 0), { timeout: 30_000 }).toBeGreaterThan(0);
}

// The ground-truth tests check the detections as detected: no smoothing, and the overlay drawing each result
// (not its prediction for the frame shown). Tracking, smoothing and prediction have tests of their own below.
const AS_DETECTED = 'smoothing=0&prediction=0';

test('the camera shows faces that match the clip ground truth, in source-video pixels', async ({ page }) => {
  await openDemo(page, AS_DETECTED);
  await chooseSettings(page);
  await startCamera(page);
  await expect(page.locator('#video')).toBeVisible();
  expect(await page.locator('#video').evaluate((v) => getComputedStyle(v).transform)).toBe('none');
  expectMatchesGroundTruth(await collectResults(page, 6), false);
  // The camera picker lists the fake device by its label once the camera is allowed.
  await expect(page.getByLabel('Camera', { exact: true }).locator('option')).toContainText([/wider_20_277_pan/]);
  // Stats show an FPS figure and every stage's time.
  await expect(page.locator('#fps')).toHaveText(/^\d+(\.\d)?$/);
  await expect(page.locator('#stage-times td')).toHaveText(Array(5).fill(/\d ms$/));

  await page.getByRole('button', { name: 'Stop camera' }).click();
  await expect(page.getByRole('button', { name: 'Start camera' })).toBeVisible();
  expect(await page.evaluate(() => window.retinafaceDemo?.source)).toBeNull();
});

test('with mirror on, the video is flipped and the coordinates flip with it', async ({ page }) => {
  await openDemo(page, AS_DETECTED);
  await chooseSettings(page);
  await page.getByLabel('Mirror (selfie view)').check();
  await startCamera(page);
  expect(await page.locator('#video').evaluate((v) => getComputedStyle(v).transform)).toBe('matrix(-1, 0, 0, 1, 0, 0)');
  expect(await page.locator('#overlay').evaluate((c) => getComputedStyle(c).transform)).toBe('none');
  expectMatchesGroundTruth(await collectResults(page, 6), true);

  // Mirror off again while the camera runs: results return to the camera's own orientation.
  await page.getByLabel('Mirror (selfie view)').uncheck();
  expect(await page.locator('#video').evaluate((v) => getComputedStyle(v).transform)).toBe('none');
  expectMatchesGroundTruth(await collectResults(page, 3), false);
});

test('the face count is announced politely, at most every 2 s', async ({ page }) => {
  await openDemo(page);
  const region = page.locator('#face-count');
  await expect(region).toHaveAttribute('aria-live', 'polite');
  await page.evaluate(() => {
    const el = document.getElementById('face-count')!;
    const w = window as unknown as { announcements: { at: number; text: string }[] };
    w.announcements = [];
    new MutationObserver(() => el.textContent && w.announcements.push({ at: performance.now(), text: el.textContent })).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await startCamera(page);
  // The clip's face count changes from frame to frame (at native size: 1 to 3 faces); wait for a few announcements.
  await expect.poll(() => page.evaluate(() => (window as unknown as { announcements: unknown[] }).announcements.length), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  const log = await page.evaluate(() => (window as unknown as { announcements: { at: number; text: string }[] }).announcements);
  for (const a of log) expect(a.text).toMatch(/^(No faces|1 face|\d+ faces)$/);
  for (let i = 1; i < log.length; i++) {
    expect(log[i].text, 'only changes are announced').not.toBe(log[i - 1].text);
    expect(log[i].at - log[i - 1].at, 'throttled').toBeGreaterThanOrEqual(1990);
  }
});

test('the page shows the size the camera actually gives next to the one asked for', async ({ page }) => {
  await openDemo(page);
  const actual = page.locator('#camera-actual');
  await expect(actual).toBeHidden();
  // The fake camera plays its 640x480 clip whatever is asked.
  await startCamera(page);
  await expect(actual).toHaveText(/^The camera gives 640 × 480, \d+ fps\.$/);
  expect(await page.evaluate(() => window.retinafaceDemo!.latest!.sourceSize)).toEqual({ width: 640, height: 480 });

  // Asking for 1280x720 while it runs reopens the camera: it still gives 640x480, and the page says so.
  await page.getByLabel('Resolution').selectOption('1280x720');
  await expect(actual).toHaveText(/^The camera gives 640 × 480, \d+ fps \(asked for 1280 × 720\)\.$/);
  await expect(actual).toHaveAttribute('aria-live', 'polite');
  await page.getByRole('button', { name: 'Stop camera' }).click();
  await expect(actual).toBeHidden();
});

test('tracking: faces carry ids; the overlay draws predictions on every frame; the toggles turn tracking off; the auto input size shows', async ({ page }) => {
  await openDemo(page, 'inputSize=1280x960');
  await startCamera(page);
  const results = await collectResults(page, 4);
  for (const r of results) for (const f of r.faces) expect(f.id, 'each face has a track id').toEqual(expect.any(Number));
  expect(results.some((r) => r.faces.length > 0)).toBe(true);
  // With prediction on, the overlay is drawn by the frame loop (each frame shown): it keeps showing the faces.
  const painted = await page.evaluate(async () => {
    const overlay = document.getElementById('overlay') as HTMLCanvasElement;
    const ctx = overlay.getContext('2d')!;
    let frames = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      const data = ctx.getImageData(0, 0, overlay.width, overlay.height).data;
      let n = 0;
      for (let k = 3; k < data.length; k += 4) if (data[k] > 0) n++;
      if (n > 0 || window.retinafaceDemo!.latest!.faces.length === 0) frames++;
    }
    return frames;
  });
  expect(painted).toBe(10);

  await page.getByLabel('Track faces (stable ids)').uncheck();
  await expect(page.getByLabel('Smooth boxes and landmarks')).toBeDisabled();
  await expect(page.getByLabel('Predict between results')).toBeDisabled();
  const untracked = await collectResults(page, 2);
  for (const r of untracked) for (const f of r.faces) expect(f.id).toBeUndefined();

  await page.getByLabel('Input size').selectOption('auto');
  await expect(page.locator('#input-now')).toHaveText(/^\d+ × \d+ \(auto\)$/, { timeout: 30_000 });
});
