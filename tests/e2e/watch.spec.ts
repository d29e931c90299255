import { expect, test } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { openHarness, sharedFile } from './helpers.ts';

// Chromium's fake camera plays the 10 fps test clip in a loop.
test.use({
  launchOptions: launchOptions([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${sharedFile('testdata/video/wider_20_277_pan.y4m')}`,
  ]),
});

test('watch() detects on live frames with one in flight, drops the rest, and stops', async ({ page }) => {
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    document.body.append(video);
    await video.play();
    const detector = await window.rfw.createFaceDetector({ backend: 'wasm', numThreads: 1 });
    let inFlight = 0;
    let maxInFlight = 0;
    const detect = detector.detect.bind(detector);
    // Each detection is held for 300 ms more, so frames (every 100 ms) surely arrive while one is in flight.
    detector.detect = async (source, overrides) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        const result = await detect(source, overrides);
        await new Promise((r) => setTimeout(r, 300));
        return result;
      } finally {
        inFlight--;
      }
    };
    const results: { faces: number; width: number }[] = [];
    const watcher = detector.watch(video, (res) => results.push({ faces: res.faces.length, width: res.sourceSize.width }));
    await new Promise((r) => setTimeout(r, 4000));
    watcher.stop();
    const atStop = results.length;
    await new Promise((r) => setTimeout(r, 1000));
    const afterStop = results.length;

    const second = detector.watch(video, () => undefined);
    await detector.dispose();
    return { results, atStop, afterStop, stats: { ...watcher.stats }, maxInFlight, running: [watcher.running, second.running] };
  });
  expect(r.results.length).toBeGreaterThan(3);
  expect(r.results.every((x) => x.width === 640 && x.faces > 0)).toBe(true);
  expect(r.maxInFlight).toBe(1);
  expect(r.stats.detected).toBeGreaterThanOrEqual(r.results.length);
  // 10 fps against detections of over 300 ms: most frames must have been dropped, none queued.
  expect(r.stats.dropped).toBeGreaterThan(r.stats.detected);
  // At most the detection already running when stop() was called may still land.
  expect(r.afterStop - r.atStop).toBeLessThanOrEqual(1);
  expect(r.running).toEqual([false, false]);
});
