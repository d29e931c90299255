import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import type { DemoResult } from '../../src/demo/automation.ts';
import { iou, openDemo } from './demo-helpers.ts';
import { expectSameFaces, expectedAutoBackend, projectRoot, runCli, sharedFile } from './helpers.ts';

// Default Chromium flags: no WebGPU adapter, no camera.

const PHOTO = 'testdata/photos/vladmandic-sample5.jpg'; // five faces; MIT (@vladmandic/face-api)
const GROUP = 'testdata/photos/group-640x480.jpg'; // twenty faces, scores from 0.5 to 1

const fileInput = (page: Page) => page.getByLabel('Open a JPEG or PNG image, or a video');

/** Waits for a result newer than `after` (a seq number) and returns it. */
async function nextResult(page: Page, after = 0): Promise<DemoResult> {
  await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.seq ?? 0), { timeout: 60_000 }).toBeGreaterThan(after);
  return (await page.evaluate(() => window.retinafaceDemo!.latest))!;
}

const lastSeq = (page: Page) => page.evaluate(() => window.retinafaceDemo?.latest?.seq ?? 0);

/**
 * A WebM made in the browser (MediaRecorder, 15 fps) from a photo scaled to width x height, drawn every 60 ms for
 * `ms`: no video file or encoder needed. With `wobble` the photo moves a little from frame to frame.
 */
function recordWebm(page: Page, url: string, clip: { width: number; height: number; ms: number; wobble: boolean }): Promise<number[]> {
  return page.evaluate(
    async ({ url, clip }) => {
      const bitmap = await createImageBitmap(await (await fetch(url)).blob(), { resizeWidth: clip.width, resizeHeight: clip.height });
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [clip.width, clip.height];
      const ctx = canvas.getContext('2d')!;
      const recorder = new MediaRecorder(canvas.captureStream(15), { mimeType: 'video/webm' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (recorder.onstop = r));
      recorder.start();
      const t0 = performance.now();
      for (let i = 0; performance.now() - t0 < clip.ms; i++) {
        ctx.drawImage(bitmap, clip.wobble ? (i % 5) * 2 : 0, 0);
        await new Promise((r) => setTimeout(r, 60));
      }
      recorder.stop();
      await stopped;
      return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
    },
    { url, clip },
  );
}

test("'auto' runs what the machine has and says why; a model that is not installed cannot be chosen", async ({ page }) => {
  await openDemo(page);
  const expected = await expectedAutoBackend(page);
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', expected.backend);
  await expect(page.locator('#backend-badge')).toHaveText(expected.backend === 'wasm' ? 'WASM' : 'WebGPU');
  await expect(page.locator('#backend-reason')).toContainText(expected.reason);
  expect(await page.evaluate(() => window.retinafaceDemo!.model)).toMatch(/\/models\/retinaface-mnet025\.onnx$/);

  const model = page.getByLabel('Model', { exact: true });
  await expect(model).toHaveValue('retinaface-mnet025');
  const r50 = model.locator('option[value="retinaface-r50"]');
  await expect(r50).toHaveText('ResNet-50 — not installed');
  await expect(r50).toBeDisabled();
  await expect(model.locator('option[value="retinaface-mnet025-biubug6"]')).toBeEnabled();
  await expect(model.locator('option[value="yunet"]')).toHaveText('YuNet (OpenCV Zoo, MIT)');
  await expect(model.locator('option[value="yunet"]')).toBeEnabled();
  await expect(page.locator('#model-note')).toContainText('Not installed: ResNet-50');
  await expect(page.locator('#model-note a')).toHaveAttribute('href', '#models-help');
});

test('"Installing models" opens the page\'s own help in place, from the note and from the keyboard', async ({ page }) => {
  await openDemo(page);
  const help = page.locator('#models-help');
  await expect(help).not.toHaveAttribute('open');
  const url = page.url();
  await page.locator('#model-note a').click();
  await expect(help).toHaveAttribute('open', '');
  await expect(help.locator('summary')).toBeFocused();
  expect(page.url()).toBe(url); // no navigation: the README is not served by every host (and raw markdown is no help)
  await expect(help).toContainText('npm install');
  await expect(help).toContainText('scripts/setup-models.mjs');
  await expect(help).toContainText('npx retinaface-web convert --symbol R50-symbol.json --params R50-0000.params --bgr --dynamic --out public/models/retinaface-r50.onnx');
  await expect(help).toContainText('non-commercial research only');
  // Closed and opened again from the keyboard.
  await page.keyboard.press('Enter');
  await expect(help).not.toHaveAttribute('open');
  await page.keyboard.press('Enter');
  await expect(help).toHaveAttribute('open', '');
  // No link on the page leads to a markdown file.
  expect(await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')!).filter((h) => /\.md(#|$)/.test(h)))).toEqual([]);
});

test('the page has a favicon, and loading it asks the server for nothing it does not have', async ({ page }) => {
  const failed: string[] = [];
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  // (The model checks are HEAD requests, which Chromium reports as aborted once their headers are in.)
  page.on('requestfailed', (r) => r.method() !== 'HEAD' && failed.push(`${r.failure()?.errorText} ${r.url()}`));
  await openDemo(page);
  await expect(page.locator('#model-note')).toBeVisible(); // the model checks are done
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(icon).toBe('/favicon.svg');
  const response = await page.request.get(icon!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toMatch(/^image\/svg\+xml/);
  expect(await response.text()).toMatch(/^<svg /);
  expect(failed).toEqual([]);
});

test('image mode: the overlay on a photo, in source pixels (visual)', async ({ page }) => {
  await openDemo(page);
  await expect(page.locator('#model-note')).toBeVisible(); // the model check is done: the page is settled
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  const r = await nextResult(page);
  expect(r).toMatchObject({ source: 'image', name: 'vladmandic-sample5.jpg', mirrored: false, backend: 'wasm', sourceSize: { width: 1920, height: 1398 } });
  // The same faces as the CLI gives for the file, in the photo's own pixels (the page shows it scaled down).
  const [cli] = await runCli([sharedFile(PHOTO)]);
  expect(r.faces).toHaveLength(5);
  expectSameFaces(r.faces, cli.faces, 0.5, 1e-3);
  await expect(page.locator('#face-total')).toHaveText('5');
  await expect(page.locator('#still')).toBeVisible();
  await expect(page.locator('#video')).toBeHidden();

  await expect(page.locator('#stage')).toHaveScreenshot('image-mode-stage.png');
  await expect(page).toHaveScreenshot('image-mode-page.png', {
    // Timings move from run to run (the whole table: a slow machine's longer figures overflow their cells); the
    // backend's reason names the thread count, which follows the machine.
    mask: [page.locator('#stats table'), page.locator('#stats .chart'), page.locator('#backend-reason')],
  });
});

test('YuNet from the model list detects a photo as the CLI does', async ({ page }) => {
  await openDemo(page, 'model=yunet&score=0.9&iou=0.3');
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('yunet');
  expect(await page.evaluate(() => window.retinafaceDemo!.model)).toMatch(/\/models\/face_detection_yunet_2026may\.onnx$/);
  await fileInput(page).setInputFiles(sharedFile(GROUP));
  const r = await nextResult(page);
  const [cli] = await runCli(['--model', 'yunet', sharedFile(GROUP)]);
  expect(r.faces.length).toBeGreaterThan(10);
  expectSameFaces(r.faces, cli.faces, 0.5, 1e-3);
});

test('EXIF orientation is honoured: a rotated JPEG tagged "rotate 90°" shows and detects upright', async ({ page }) => {
  await openDemo(page);
  const original = sharedFile(GROUP);
  // Stored pixels turned 90° counter-clockwise (480x640), with EXIF orientation 6 saying "turn 90° clockwise".
  const rotated = await sharp(original).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
  expect((await sharp(rotated).metadata()).width).toBe(480);

  await fileInput(page).setInputFiles(original);
  const upright = await nextResult(page);
  await fileInput(page).setInputFiles({ name: 'rotated.jpg', mimeType: 'image/jpeg', buffer: rotated });
  const r = await nextResult(page, upright.seq);
  expect(r.name).toBe('rotated.jpg');
  expect(r.sourceSize).toEqual({ width: 640, height: 480 });
  expect(await page.locator('#still').evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([640, 480]);
  // The same faces as the upright original (JPEG re-encoding moves boxes by a pixel or two and can flip a
  // borderline face: each face of the rotated file matches one of the original with IoU >= 0.8).
  expect(upright.faces.length).toBeGreaterThanOrEqual(15);
  expect(Math.abs(r.faces.length - upright.faces.length)).toBeLessThanOrEqual(2);
  for (const f of r.faces) expect(Math.max(...upright.faces.map((u) => iou(f.box, u.box)))).toBeGreaterThanOrEqual(0.8);
});

test('changing a control detects again: max faces, score threshold, input size', async ({ page }) => {
  await openDemo(page);
  await fileInput(page).setInputFiles(sharedFile(GROUP));
  let r = await nextResult(page);
  const all = r.faces.length;
  expect(all).toBeGreaterThanOrEqual(15);

  await page.getByLabel(/Max faces/).fill('2');
  await page.getByLabel(/Max faces/).press('Enter');
  r = await nextResult(page, r.seq);
  expect(r.faces).toHaveLength(2);
  await page.getByLabel(/Max faces/).fill('');
  await page.getByLabel(/Max faces/).press('Enter');
  r = await nextResult(page, r.seq);
  expect(r.faces).toHaveLength(all);
  const scores = r.faces.map((f) => f.score).sort();

  // The score slider from the keyboard: End = 0.95.
  await page.getByLabel(/Score threshold/).focus();
  await page.keyboard.press('End');
  await expect(page.locator('#score-value')).toHaveText('0.95');
  r = await nextResult(page, r.seq);
  expect(r.faces.length).toBe(scores.filter((s) => s >= 0.95).length);
  expect(r.faces.length).toBeLessThan(all);
  for (const f of r.faces) expect(f.score).toBeGreaterThanOrEqual(0.95);

  await page.getByLabel('Input size').selectOption('320x320');
  r = await nextResult(page, r.seq);
  expect(r.inputSize).toEqual({ width: 320, height: 320 });
  expect(r.sourceSize).toEqual({ width: 640, height: 480 });
});

test('the results download as JSON', async ({ page }) => {
  await openDemo(page);
  const download = page.getByRole('button', { name: 'Download results (JSON)' });
  await expect(download).toBeDisabled();
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  const r = await nextResult(page);
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  expect(file.suggestedFilename()).toBe('vladmandic-sample5.faces.json');
  const json = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(json).toMatchObject({
    generator: 'retinaface-web demo',
    backend: 'wasm',
    source: { kind: 'image', name: 'vladmandic-sample5.jpg', width: 1920, height: 1398, mirrored: false },
    settings: { model: 'retinaface-mnet025', scoreThreshold: 0.5, iouThreshold: 0.4, inputSize: 'native' },
  });
  expect(json.results).toHaveLength(1);
  expect(json.results[0].faces).toEqual(r.faces);
});

test('a video file is detected frame after frame, and its results download per frame', async ({ page }) => {
  await openDemo(page);
  const webm = await recordWebm(page, `/shared/${PHOTO}`, { width: 640, height: 466, ms: 3000, wobble: false });
  await fileInput(page).setInputFiles({ name: 'clip.webm', mimeType: 'video/webm', buffer: Buffer.from(webm) });
  const first = await nextResult(page);
  expect(first).toMatchObject({ source: 'video', name: 'clip.webm', sourceSize: { width: 640, height: 466 } });
  await expect(page.locator('#video')).toBeVisible();
  const later = await nextResult(page, first.seq + 2);
  // The photo's five faces, found in the video frames too (compression may drop a borderline one).
  for (const r of [first, later]) expect(r.faces.length).toBeGreaterThanOrEqual(4);
  expect(typeof later.videoTime).toBe('number');
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download results (JSON)' }).click()]);
  const json = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(json.source).toMatchObject({ kind: 'video', name: 'clip.webm' });
  expect(json.results.length).toBeGreaterThanOrEqual(3);
  for (const res of json.results) expect(typeof res.videoTime).toBe('number');
});

test('a bad model URL shows its error on the page; the page stays usable', async ({ page }) => {
  await openDemo(page);
  // A static host answers 404 (Vite's dev server would send its index.html instead, also reported as an error).
  await page.route('**/models/no-such-model.onnx', (route) => route.fulfill({ status: 404, body: 'Not Found' }));
  await page.getByLabel('Model', { exact: true }).selectOption('custom');
  await page.getByLabel('Model URL (.onnx)').fill('/models/no-such-model.onnx');
  await page.getByLabel('Model URL (.onnx)').press('Enter');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
  const notice = page.locator('.notice[data-kind="model-load"]');
  await expect(notice).toBeVisible();
  await expect(notice).toHaveAttribute('role', 'alert');
  await expect(notice).toContainText('The model failed to load.');
  await expect(notice).toContainText('ModelLoadError');
  await expect(notice).toContainText('/models/no-such-model.onnx');
  await expect(notice).toContainText('HTTP 404');
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', '');

  // Back to the default model: the error goes, detection works.
  await page.getByLabel('Model', { exact: true }).selectOption('retinaface-mnet025');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(notice).toHaveCount(0);
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  expect((await nextResult(page)).faces).toHaveLength(5);
});

test('a bad model URL in the address fails on load with the reason, and the image still shows', async ({ page }) => {
  await openDemo(page, 'model=/models/not-here.onnx', 'error');
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('custom');
  await expect(page.getByLabel('Model URL (.onnx)')).toHaveValue('/models/not-here.onnx');
  // Vite's dev server answers an unknown path with its index.html: the library names that.
  await expect(page.locator('.notice[data-kind="model-load"]')).toContainText(/sent an HTML page .* for the model http:\/\/localhost:\d+\/models\/not-here\.onnx/);
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  await expect(page.locator('#still')).toBeVisible();
  expect(await page.evaluate(() => window.retinafaceDemo!.latest)).toBeNull(); // nothing to detect with
});

test('no camera: the page says so and stays usable', async ({ page, context }) => {
  await context.grantPermissions(['camera']); // allowed, but there is no camera (no fake device in this file)
  await openDemo(page);
  const cameras = await page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').length);
  test.skip(cameras > 0, 'this machine has a real camera');
  await expect(page.getByLabel('Camera', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Camera', { exact: true }).locator('option')).toHaveText(['No camera found']);
  await page.getByRole('button', { name: 'Start camera' }).click();
  const noCamera = page.locator('.notice[data-kind="no-camera"]');
  await expect(noCamera).toContainText('No camera found.');
  await expect(noCamera).toContainText('NotFoundError');
  await expect(page.getByRole('button', { name: 'Start camera' })).toBeEnabled();
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  expect((await nextResult(page)).faces).toHaveLength(5);
  // Dismiss from the keyboard.
  await page.getByRole('button', { name: 'Dismiss: No camera found.' }).focus();
  await page.keyboard.press('Enter');
  await expect(noCamera).toHaveCount(0);
});

test('an unreadable file: the page says so and stays usable', async ({ page }) => {
  await openDemo(page);
  await fileInput(page).setInputFiles({ name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg') });
  await expect(page.locator('.notice[data-kind="file-error"]')).toContainText('broken.jpg could not be decoded as an image.');
  await fileInput(page).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.locator('.notice[data-kind="file-error"]')).toContainText('notes.txt is not an image or a video.');
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  expect((await nextResult(page)).faces).toHaveLength(5);
});

test('loading shows download progress, then a warm-up state, then ready', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { loadLog: string[] };
    w.loadLog = [];
    document.addEventListener('DOMContentLoaded', () => {
      const status = document.getElementById('status')!;
      const progress = document.getElementById('model-progress') as HTMLProgressElement;
      new MutationObserver(() => {
        const entry = `${status.dataset.state} ${progress.hidden ? '-' : progress.hasAttribute('value') ? `${progress.value}/${progress.max}` : '…'}`;
        if (w.loadLog.at(-1) !== entry) w.loadLog.push(entry);
      }).observe(status, { attributes: true, subtree: true, childList: true, characterData: true });
    });
  });
  await openDemo(page);
  const log = await page.evaluate(() => (window as unknown as { loadLog: string[] }).loadLog);
  const size = readFileSync(`${projectRoot}public/models/retinaface-mnet025.onnx`).length;
  // The progress bar counts bytes of the model's size (here it arrives in one piece), then turns indeterminate.
  expect(log[0]).toMatch(new RegExp(`^downloading \\d+/${size}$`));
  const warming = log.indexOf('warming …');
  expect(warming).toBeGreaterThan(0);
  expect(log.slice(0, warming).every((e) => e.startsWith('downloading '))).toBe(true);
  expect(log.at(-1)).toBe('ready -');
  expect(log.slice(warming + 1).every((e) => !e.startsWith('downloading'))).toBe(true);
});

/** The stats table's five stage cells, as shown. */
const stageCells = (page: Page) => page.locator('#stage-times td').allTextContents();
/** How the stats panel writes a time (stats.ts). */
const shownMs = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
const expectedCells = (r: DemoResult) => [r.timings.capture + r.timings.pack, r.timings.transfer, r.timings.inference, r.timings.decode, r.timings.draw].map(shownMs);

test('stage times start again when the input size or the model changes (medians of one setting only)', async ({ page }) => {
  await openDemo(page);
  await fileInput(page).setInputFiles(sharedFile(PHOTO)); // 1920x1398: native input, ~1 s of inference
  let r = await nextResult(page);
  expect(await stageCells(page)).toEqual(expectedCells(r));

  // A much smaller input: the table shows this one frame's times, not a median mixed with the large frame's.
  await page.getByLabel('Input size').selectOption('160x160');
  r = await nextResult(page, r.seq);
  expect(r.inputSize).toEqual({ width: 160, height: 160 });
  expect(await stageCells(page)).toEqual(expectedCells(r));

  // Another model: the same.
  await page.getByLabel('Input size').selectOption('native');
  r = await nextResult(page, r.seq);
  await page.getByLabel('Model', { exact: true }).selectOption('retinaface-mnet025-biubug6');
  r = await nextResult(page, r.seq);
  expect(await page.evaluate(() => window.retinafaceDemo!.model)).toMatch(/biubug6\.onnx$/);
  expect(await stageCells(page)).toEqual(expectedCells(r));
});

test('after a failed model load nothing of the old model stays: faces, FPS, stage times, overlay, download', async ({ page }) => {
  await openDemo(page);
  await fileInput(page).setInputFiles(sharedFile(PHOTO));
  const r = await nextResult(page);
  await expect(page.locator('#face-total')).toHaveText('5');
  const download = page.getByRole('button', { name: 'Download results (JSON)' });
  await expect(download).toBeEnabled();
  const overlayInk = () =>
    page.locator('#overlay').evaluate((c: HTMLCanvasElement) => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
      return n;
    });
  expect(await overlayInk()).toBeGreaterThan(0);
  expect(await stageCells(page)).toEqual(expectedCells(r));

  await page.route('**/models/broken.onnx', (route) => route.fulfill({ status: 404, body: 'Not Found' }));
  await page.getByLabel('Model', { exact: true }).selectOption('custom');
  await page.getByLabel('Model URL (.onnx)').fill('/models/broken.onnx');
  await page.getByLabel('Model URL (.onnx)').press('Enter');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'error');
  await expect(page.locator('.notice[data-kind="model-load"]')).toContainText('HTTP 404');
  await expect(page.locator('#face-total')).toHaveText('–');
  await expect(page.locator('#fps')).toHaveText('–');
  expect(await stageCells(page)).toEqual(Array(5).fill('–'));
  await expect(page.locator('#total-time')).toHaveText('–');
  await expect(download).toBeDisabled();
  expect(await overlayInk()).toBe(0);
  expect(await page.evaluate(() => window.retinafaceDemo!.latest)).toBeNull();
});

test('a looping video: the download holds one result per video time, the latest pass replacing earlier ones', async ({ page }) => {
  await openDemo(page);
  // 1.5 s, so that the video loops several times during the test; moving a little, so that frames differ.
  const webm = await recordWebm(page, `/shared/${GROUP}`, { width: 320, height: 240, ms: 1500, wobble: true });
  // Count the loops: the video jumps back to its start (currentTime goes down) once per loop.
  await page.evaluate(() => {
    const v = document.getElementById('video') as HTMLVideoElement;
    const w = window as unknown as { loops: number };
    w.loops = 0;
    let last = 0;
    v.addEventListener('timeupdate', () => {
      if (v.currentTime + 0.2 < last) w.loops++;
      last = v.currentTime;
    });
  });
  await fileInput(page).setInputFiles({ name: 'loop.webm', mimeType: 'video/webm', buffer: Buffer.from(webm) });
  const first = await nextResult(page);
  await expect.poll(() => page.evaluate(() => (window as unknown as { loops: number }).loops), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download results (JSON)' }).click()]);
  const produced = (await lastSeq(page)) - first.seq + 1;
  const json = JSON.parse(readFileSync(await file.path(), 'utf8'));
  const times: number[] = json.results.map((r: { videoTime: number }) => r.videoTime);
  expect(times.length).toBeGreaterThan(2);
  expect(times.length, `${produced} results over ${produced > 0 ? 'several' : 'no'} passes`).toBeLessThan(produced);
  // In time order, each time once: no pass is repeated in the file.
  for (let i = 1; i < times.length; i++) expect(times[i], `results ${i - 1} and ${i}: ${times.join(', ')}`).toBeGreaterThan(times[i - 1]);
  for (const t of times) expect(t).toBeLessThan(2);
});
