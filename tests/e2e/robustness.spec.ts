// Bad networks, bad input and long sessions, in the browser: a real local HTTP server that stalls, cancels,
// counts requests; Cache Storage with a poisoned entry; sources that are not images; a 2,000-call soak.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { TestServer, chunked, stalling } from '../support/http-server.ts';
import { openHarness, projectRoot, sharedFile } from './helpers.ts';

const model = readFileSync(`${projectRoot}public/models/retinaface-mnet025.onnx`);
const otherModel = readFileSync(sharedFile('models/retinaface-mnet025-biubug6/FaceDetector-640.onnx'));
const server = new TestServer();

test.beforeAll(async () => {
  await server
    .route('/model.onnx', chunked(model, 8, 5))
    .route('/slow.onnx', chunked(model, 40, 100))
    .route('/stall.onnx', stalling(model, 300_000))
    .start();
});
test.afterAll(() => server.stop());

test.describe('loading', () => {
  test('a download that stalls fails with ModelLoadError after timeoutMs without data', async ({ page }) => {
    await openHarness(page);
    const r = await page.evaluate(async (url) => {
      const t0 = performance.now();
      try {
        await window.rfw.createFaceDetector({ model: url, backend: 'wasm', cache: false, timeoutMs: 1000 });
        return { name: 'no error', message: '', ms: 0 };
      } catch (e) {
        return { name: (e as Error).name, message: (e as Error).message, ms: performance.now() - t0 };
      }
    }, server.url('/stall.onnx').href);
    expect(r.name).toBe('ModelLoadError');
    expect(r.message).toMatch(/stalled: no data for 1 s \(after 300000 bytes\)/);
    await expect.poll(() => server.aborted.get('/stall.onnx') ?? 0).toBe(1);
  });

  test('a load aborted mid-download rejects with the signal reason; the request is closed; no worker is left', async ({ page }) => {
    await openHarness(page);
    const r = await page.evaluate(async (url) => {
      const controller = new AbortController();
      const progress: number[] = [];
      try {
        await window.rfw.createFaceDetector({
          model: url,
          backend: 'wasm',
          cache: false,
          signal: controller.signal,
          onProgress: (loaded) => {
            progress.push(loaded);
            if (loaded > 0) controller.abort();
          },
        });
        return { name: 'no error', progress };
      } catch (e) {
        return { name: (e as Error).name, progress };
      }
    }, server.url('/slow.onnx').href);
    expect(r.name).toBe('AbortError');
    expect(r.progress.at(-1)!).toBeLessThan(model.length);
    await expect.poll(() => server.aborted.get('/slow.onnx') ?? 0).toBe(1);
  });

  test('five loads of one URL at the same time download it once', async ({ page }) => {
    await openHarness(page);
    const before = server.count('/model.onnx');
    const backends = await page.evaluate(async (url) => {
      const detectors = await Promise.all(Array.from({ length: 5 }, () => window.rfw.createFaceDetector({ model: url, backend: 'wasm', numThreads: 1, cache: false })));
      const out = detectors.map((d) => d.backend);
      await Promise.all(detectors.map((d) => d.dispose()));
      return out;
    }, server.url('/model.onnx').href);
    expect(backends).toEqual(['wasm', 'wasm', 'wasm', 'wasm', 'wasm']);
    expect(server.count('/model.onnx') - before).toBe(1);
  });

  test('a cached copy that loads but is not a face model the URL names is evicted and fetched once more', async ({ page }) => {
    await openHarness(page);
    const url = server.url('/model.onnx').href;
    const before = server.count('/model.onnx');
    const r = await page.evaluate(
      async ({ url, poison }) => {
        // A valid ONNX file, but not what the URL serves: a biubug6 export, which the insightface descriptor refuses.
        const cache = await caches.open(window.rfw.MODEL_CACHE_NAME);
        await cache.put(url, new Response(new Uint8Array(poison)));
        const progress: [number, number][] = [];
        const d = await window.rfw.createFaceDetector({ model: url, backend: 'wasm', numThreads: 1, descriptor: { family: 'insightface' }, onProgress: (l, t) => progress.push([l, t]) });
        const family = d.model.family;
        await d.dispose();
        const cached = await (await cache.match(url))!.arrayBuffer();
        return { family, cachedBytes: cached.byteLength, progress };
      },
      { url, poison: [...otherModel] },
    );
    expect(r.family).toBe('insightface');
    expect(r.cachedBytes).toBe(model.length);
    expect(server.count('/model.onnx') - before).toBe(1);
    // Progress rises to 100 % once, after the evicted copy: it never restarts from 0.
    expect(r.progress.at(-1)).toEqual([model.length, model.length]);
    expect(r.progress.every(([l], i) => i === 0 || l >= r.progress[i - 1][0])).toBe(true);
  });

  test('every option is checked before any download', async ({ page }) => {
    await openHarness(page);
    const before = server.count('/model.onnx');
    const errors = await page.evaluate(async (url) => {
      const out: string[] = [];
      for (const options of [
        { inputSize: { width: 0, height: 640 } },
        { descriptor: { channelOrder: 'XYZ' } },
        { mirror: 'no' },
        { modelBaseUrl: 'http://[bad' },
        { numThreads: 64 },
        { scoreTreshold: 0.3 },
      ]) {
        try {
          await window.rfw.createFaceDetector({ model: url, ...options } as object);
          out.push('no error');
        } catch (e) {
          out.push(`${e instanceof window.rfw.InvalidInputError ? 'InvalidInputError' : (e as Error).name}: ${(e as Error).message}`);
        }
      }
      return out;
    }, server.url('/model.onnx').href);
    expect(errors.every((e) => e.startsWith('InvalidInputError: '))).toBe(true);
    expect(errors[1]).toMatch(/descriptor.channelOrder must be 'BGR' or 'RGB'; got "XYZ"/);
    expect(errors[4]).toMatch(/numThreads must be a whole number from 1 to 16; got 64/);
    expect(server.count('/model.onnx')).toBe(before);
  });
});

test.describe('detecting', () => {
  test('the pixels are those of the moment detect() is called: drawing on the canvas right after does not change the result', async ({ page }) => {
    await openHarness(page);
    const r = await page.evaluate(async () => {
      const bitmap = await createImageBitmap(await (await fetch('/shared/testdata/photos/group-640x480.jpg')).blob());
      const canvas = new OffscreenCanvas(640, 480);
      const ctx = canvas.getContext('2d')!;
      const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
      const out: Record<string, number> = {};
      for (const framePath of ['bitmap', 'tensor'] as const) {
        ctx.drawImage(bitmap, 0, 0);
        const faces = d.detect(canvas, { framePath });
        ctx.fillRect(0, 0, 640, 480); // black, before the worker has even seen the frame
        const blank = d.detect(canvas, { framePath });
        ctx.drawImage(bitmap, 0, 0);
        out[framePath] = (await faces).faces.length;
        out[`${framePath} blank`] = (await blank).faces.length;
      }
      await d.dispose();
      return out;
    });
    expect(r.bitmap).toBeGreaterThanOrEqual(15);
    expect(r.tensor).toBe(r.bitmap);
    expect([r['bitmap blank'], r['tensor blank']]).toEqual([0, 0]);
  });

  test('what is not an image is an InvalidInputError that says what it got', async ({ page }) => {
    await openHarness(page);
    const r = await page.evaluate(async () => {
      const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
      const detached = new ImageData(64, 64);
      structuredClone(detached.data.buffer, { transfer: [detached.data.buffer] });
      const closed = await createImageBitmap(new ImageData(8, 8));
      closed.close();
      const out: string[] = [];
      for (const source of [null, undefined, {}, { width: 10, height: 10 }, 'photo.jpg', detached, closed]) {
        try {
          await d.detect(source as never);
          out.push('no error');
        } catch (e) {
          out.push(`${e instanceof window.rfw.InvalidInputError ? 'InvalidInputError' : `untyped ${(e as Error).name}`}: ${(e as Error).message}`);
        }
      }
      for (const overrides of [{ inputSize: { width: 16384, height: 16384 } }, { framePath: 'gpu' }]) {
        try {
          await d.detect(new ImageData(8, 8), overrides as object);
          out.push('no error');
        } catch (e) {
          out.push(`${e instanceof window.rfw.InvalidInputError ? 'InvalidInputError' : `untyped ${(e as Error).name}`}: ${(e as Error).message}`);
        }
      }
      const ok = await d.detect(new ImageData(8, 8));
      await d.dispose();
      return { out, stillWorks: ok.faces.length === 0 };
    });
    expect(r.out.every((m) => m.startsWith('InvalidInputError: '))).toBe(true);
    expect(r.out[0]).toMatch(/detect\(\) takes an <img>, <video>, <canvas>, OffscreenCanvas, ImageBitmap, VideoFrame, ImageData or Blob; got null/);
    expect(r.out[1]).toMatch(/got undefined/);
    expect(r.out[2]).toMatch(/got a plain object/);
    expect(r.out[4]).toMatch(/got "photo.jpg"/);
    expect(r.out[5]).toMatch(/ImageData holds 0 bytes, not 64x64x4: its buffer was transferred or detached/);
    expect(r.out[6]).toMatch(/ImageBitmap is closed/);
    expect(r.out[7]).toMatch(/Input width \(inputSize.width\) must be a whole number from 1 to 4096; got 16384/);
    expect(r.stillWorks).toBe(true);
  });

  test('an ImageData that must be resized works on the tensor path too, with the faces of the bitmap path', async ({ page }) => {
    await openHarness(page);
    const r = await page.evaluate(async () => {
      const bitmap = await createImageBitmap(await (await fetch('/shared/testdata/photos/vladmandic-sample1.jpg')).blob());
      const c = new OffscreenCanvas(bitmap.width, bitmap.height);
      c.getContext('2d')!.drawImage(bitmap, 0, 0);
      const data = c.getContext('2d')!.getImageData(0, 0, bitmap.width, bitmap.height);
      const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
      const options = { inputSize: { width: 640, height: 480 } };
      const viaBitmap = await d.detect(data, options);
      const viaTensor = await d.detect(data, { ...options, framePath: 'tensor' });
      await d.dispose();
      const boxes = (x: typeof viaBitmap) => x.faces.map((f) => [f.box.x, f.box.y, f.box.width, f.box.height]);
      return { bitmap: boxes(viaBitmap), tensor: boxes(viaTensor) };
    });
    expect(r.bitmap.length).toBeGreaterThan(0);
    expect(r.tensor.length).toBe(r.bitmap.length);
    r.tensor.forEach((b, i) => b.forEach((v, k) => expect(Math.abs(v - r.bitmap[i][k])).toBeLessThan(3)));
  });

  test('transparent pixels are composited over black on every path: a fully transparent PNG has no faces anywhere', async ({ page }) => {
    // The group photo's colours kept, alpha 0 everywhere (what the eye sees on a black page: nothing).
    const { data, info } = await sharp(sharedFile('testdata/photos/group-640x480.jpg')).ensureAlpha(0).raw().toBuffer({ resolveWithObject: true });
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toBuffer();
    await page.route('**/transparent.png', (r) => r.fulfill({ body: png, contentType: 'image/png' }));
    await openHarness(page);
    const r = await page.evaluate(async (raw) => {
      const blob = await (await fetch('/transparent.png')).blob();
      const imageData = new ImageData(new Uint8ClampedArray(raw), 640, 480); // unpremultiplied: colours intact
      const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
      const out: Record<string, number> = {};
      for (const framePath of ['bitmap', 'tensor'] as const) {
        out[`${framePath} blob`] = (await d.detect(blob, { framePath })).faces.length;
        out[`${framePath} imageData`] = (await d.detect(imageData, { framePath })).faces.length;
      }
      await d.dispose();
      return out;
    }, [...data]);
    expect(r).toEqual({ 'bitmap blob': 0, 'bitmap imageData': 0, 'tensor blob': 0, 'tensor imageData': 0 });
  });
});

test('a long session keeps nothing per call: 2,000 detect() calls grow the page heap by at most 64 KB after GC', async ({ page }) => {
  test.setTimeout(600_000);
  await openHarness(page);
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  await page.evaluate(async () => {
    const d = await window.rfw.createFaceDetector({ backend: 'wasm', numThreads: 1, inputSize: { width: 32, height: 32 } });
    const frame = new ImageData(32, 32);
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) await d.detect(frame);
    };
    (window as unknown as { soak: typeof run }).soak = run;
    await run(1000); // warm: compiled code and lazily made objects exist before the first measurement
  });
  const before = await heap();
  await page.evaluate(() => (window as unknown as { soak: (n: number) => Promise<void> }).soak(2000));
  const after = await heap();
  console.log(`page heap: ${before} → ${after} bytes after GC (${after - before} for 2,000 calls)`);
  expect(after - before).toBeLessThanOrEqual(64 * 1024);
});
