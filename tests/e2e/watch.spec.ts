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

test('watch() detects live frames in the order they were taken, replaces waiting frames rather than queueing, takes them as VideoFrames, and stops', async ({ page }) => {
  // Counts how the page takes video frames: a VideoFrame only references the decoded frame, a bitmap of a
  // <video> converts every pixel on the page's thread.
  await page.addInitScript(() => {
    const w = window as unknown as { taken: { videoFrames: number; videoBitmaps: number } };
    w.taken = { videoFrames: 0, videoBitmaps: 0 };
    const NativeVideoFrame = VideoFrame;
    window.VideoFrame = class extends NativeVideoFrame {
      constructor(...args: ConstructorParameters<typeof VideoFrame>) {
        super(...args);
        if (args[0] instanceof HTMLVideoElement) w.taken.videoFrames++;
      }
    } as typeof VideoFrame;
    const nativeCreateImageBitmap = window.createImageBitmap.bind(window);
    window.createImageBitmap = ((source: ImageBitmapSource, ...rest: unknown[]) => {
      if (source instanceof HTMLVideoElement) w.taken.videoBitmaps++;
      return (nativeCreateImageBitmap as (...a: unknown[]) => Promise<ImageBitmap>)(source, ...rest);
    }) as typeof createImageBitmap;
  });
  await openHarness(page);
  const r = await page.evaluate(async () => {
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    document.body.append(video);
    await video.play();
    // 1280x960 on one thread takes several camera frames per detection, so frames must be replaced.
    const detector = await window.rfw.createFaceDetector({ backend: 'wasm', numThreads: 1, inputSize: { width: 1280, height: 960 } });
    const results: { faces: number; width: number; time: number; latency: number; total: number }[] = [];
    const watcher = detector.watch(video, (res) =>
      results.push({ faces: res.faces.length, width: res.sourceSize.width, time: res.frame!.time, latency: res.frame!.latency!, total: res.timings.total }),
    );
    // Four results, however slow this machine is.
    for (let waited = 0; results.length < 4 && waited < 120_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    watcher.stop();
    const atStop = results.length;
    await new Promise((r) => setTimeout(r, 1500));
    const afterStop = results.length;

    const second = detector.watch(video, () => undefined);
    await detector.dispose();
    const { taken } = window as unknown as { taken: { videoFrames: number; videoBitmaps: number } };
    return { results, atStop, afterStop, stats: { ...watcher.stats }, running: [watcher.running, second.running], taken };
  });
  expect(r.results.length).toBeGreaterThanOrEqual(4);
  expect(r.results.every((x) => x.width === 640 && x.faces > 0)).toBe(true);
  // In the order the frames were taken.
  expect(r.results.every((x, i) => i === 0 || x.time > r.results[i - 1].time)).toBe(true);
  expect(r.results.every((x) => x.latency > 0)).toBe(true);
  expect(r.stats.detected).toBeGreaterThanOrEqual(r.results.length);
  // 10 fps against detections slower than two frames: frames were replaced while one waited, not queued.
  const median = [...r.results.map((x) => x.total)].sort((a, b) => a - b)[Math.floor(r.results.length / 2)];
  if (median > 200) expect(r.stats.dropped, `detections of ${Math.round(median)} ms against 100 ms frames`).toBeGreaterThan(0);
  // The page took the frames as VideoFrames (the worker converts and scales them), never as bitmaps of the video.
  expect(r.taken.videoFrames).toBeGreaterThanOrEqual(r.stats.detected);
  expect(r.taken.videoBitmaps).toBe(0);
  // Nothing is delivered after stop().
  expect(r.afterStop).toBe(r.atStop);
  expect(r.running).toEqual([false, false]);
});
