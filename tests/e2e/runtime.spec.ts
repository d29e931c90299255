import { expect, test } from '@playwright/test';
import { statSync } from 'node:fs';
import sharp from 'sharp';
import type { Face } from '../../src/index.ts';
import { tinyClassifierOnnx } from '../support/synthetic.ts';
import { detectInPage, expectSameFaces, expectedAutoBackend, modelBytes, openHarness, projectRoot, runCli, sharedFile } from './helpers.ts';

test.describe('detect() on WASM', () => {
  test('gives the faces the Node CLI gives for the same images and settings', async ({ page }) => {
    await openHarness(page);
    const images = ['testdata/photos/group-640x480.jpg', 'testdata/photos/astronaut.png', 'testdata/photos/vladmandic-sample1.jpg'];
    const cli = await runCli(['--score', '0.3', ...images.map(sharedFile)]);
    for (const [k, image] of images.entries()) {
      const browser = await detectInPage(page, image, { backend: 'wasm', scoreThreshold: 0.3 });
      expect(browser.backend).toBe('wasm');
      expect(browser.faces.length, image).toBeGreaterThan(0);
      expectSameFaces(browser.faces, cli[k].faces, 1e-2, 1e-4);
    }
  });

  test("model 'yunet' gives the faces the Node CLI gives: OpenCV's defaults (0.9 / 0.3) and at score 0.5", async ({ page }) => {
    await openHarness(page);
    const images = ['testdata/photos/group-640x480.jpg', 'testdata/photos/vladmandic-sample1.jpg'];
    const cli = await runCli(['--model', 'yunet', ...images.map(sharedFile)]);
    const cliLow = await runCli(['--model', 'yunet', '--score', '0.5', ...images.map(sharedFile)]);
    for (const [k, image] of images.entries()) {
      const browser = await detectInPage(page, image, { model: 'yunet', backend: 'wasm' });
      expect(browser.backend).toBe('wasm');
      expect(browser.faces.length, image).toBeGreaterThan(0);
      expect(browser.faces.every((f) => f.score >= 0.9)).toBe(true);
      expectSameFaces(browser.faces, cli[k].faces, 1e-2, 1e-4);
      const low = await detectInPage(page, image, { model: 'yunet', backend: 'wasm', scoreThreshold: 0.5 });
      expectSameFaces(low.faces, cliLow[k].faces, 1e-2, 1e-4);
    }
    // The group photo has faces between 0.5 and 0.9.
    expect(cliLow[0].faces.length).toBeGreaterThan(cli[0].faces.length);
  });

  test("'auto' runs what the machine has (WASM without a hardware WebGPU adapter) and says why", async ({ page }) => {
    await openHarness(page);
    const expected = await expectedAutoBackend(page);
    const r = await detectInPage(page, 'testdata/photos/astronaut.png', { inputSize: { width: 160, height: 160 } });
    expect(r.backend).toBe(expected.backend);
    expect(r.reason).toMatch(expected.reason);
    expect(r.faces).toHaveLength(1);
  });

  test('every kind of source gives the same faces', async ({ page }) => {
    await openHarness(page);
    const counts = await page.evaluate(async () => {
      const blob = await (await fetch('/shared/testdata/photos/astronaut.png')).blob();
      const bitmap = await createImageBitmap(blob);
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
      offscreen.getContext('2d')!.drawImage(bitmap, 0, 0);
      const img = new Image();
      img.src = URL.createObjectURL(blob);
      await img.decode();
      const frame = new VideoFrame(bitmap, { timestamp: 0 });
      const sources = { blob, bitmap, canvas, offscreen, img, frame, imageData: ctx.getImageData(0, 0, canvas.width, canvas.height) };
      const detector = await window.rfw.createFaceDetector({ backend: 'wasm' });
      const out: Record<string, number[]> = {};
      for (const framePath of ['bitmap', 'tensor'] as const) {
        for (const [name, source] of Object.entries(sources)) {
          const r = await detector.detect(source, { framePath } as object);
          out[`${framePath}:${name}`] = r.faces.flatMap((f) => [f.box.x, f.box.y, f.box.width, f.box.height, f.score]);
        }
      }
      frame.close();
      await detector.dispose();
      return out;
    });
    const reference = counts['bitmap:blob'];
    expect(reference).toHaveLength(5);
    for (const [name, values] of Object.entries(counts)) {
      expect(values.length, name).toBe(reference.length);
      values.forEach((v, i) => expect(Math.abs(v - reference[i]), `${name}[${i}]`).toBeLessThan(0.05));
    }
  });
});

test('a JPEG with an EXIF rotation detects upright from a Blob and from an oriented bitmap, on both frame paths', async ({ page }) => {
  await openHarness(page);
  // Stored pixels turned 90° counter-clockwise (480x640), tagged orientation 6 ("turn 90° clockwise").
  const rotated = await sharp(sharedFile('testdata/photos/group-640x480.jpg')).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
  await page.route('**/exif/rotated.jpg', (r) => r.fulfill({ body: rotated, contentType: 'image/jpeg' }));
  const r = await page.evaluate(async () => {
    const blob = await (await fetch('/exif/rotated.jpg')).blob();
    const upright = await (await fetch('/shared/testdata/photos/group-640x480.jpg')).blob();
    const oriented = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
    const out: Record<string, { size: number[]; faces: number[][] }> = {};
    for (const framePath of ['bitmap', 'tensor'] as const) {
      for (const [name, source] of [['upright', upright], ['blob', blob], ['bitmap', oriented]] as const) {
        const res = await d.detect(source, { framePath } as object);
        out[`${framePath}:${name}`] = { size: [res.sourceSize.width, res.sourceSize.height], faces: res.faces.map((f) => [f.box.x, f.box.y, f.box.width, f.box.height]) };
      }
    }
    await d.dispose();
    return out;
  });
  const reference = r['bitmap:upright'];
  expect(reference.faces.length).toBeGreaterThanOrEqual(15);
  for (const [name, got] of Object.entries(r)) {
    expect(got.size, name).toEqual([640, 480]);
    // Re-encoding the JPEG moves boxes a little and can flip a borderline face.
    expect(Math.abs(got.faces.length - reference.faces.length), name).toBeLessThanOrEqual(2);
    for (const [x, y, w, h] of got.faces) {
      const near = reference.faces.some(([u, v, uw, vh]) => Math.abs(u - x) < 4 && Math.abs(v - y) < 4 && Math.abs(uw - w) < 4 && Math.abs(vh - h) < 4);
      expect(near, `${name}: a face at ${x},${y}`).toBe(true);
    }
  }
});

test.describe('model loading', () => {
  test('a second detector on the same origin does not download the model again', async ({ page }) => {
    const requests: string[] = [];
    page.on('request', (req) => {
      if (req.url().endsWith('.onnx')) requests.push(req.url());
    });
    await openHarness(page);
    const progress = await page.evaluate(async () => {
      const seen: [number, number][] = [];
      const a = await window.rfw.createFaceDetector({ backend: 'wasm', onProgress: (l, t) => seen.push([l, t]) });
      await a.dispose();
      const b = await window.rfw.createFaceDetector({ backend: 'wasm' });
      await b.dispose();
      return seen;
    });
    expect(requests).toHaveLength(1);
    expect(progress.at(-1)![0]).toBe(statSync(`${projectRoot}public/models/retinaface-mnet025.onnx`).size);
    // A new page load on the same origin reads it from Cache Storage too.
    await page.reload();
    await page.waitForFunction(() => window.harnessReady === true);
    await page.evaluate(async () => (await window.rfw.createFaceDetector({ backend: 'wasm' })).dispose());
    expect(requests).toHaveLength(1);
  });

  test('bad models, missing wasm files and calls after dispose give typed errors', async ({ page }) => {
    await openHarness(page);
    const model = modelBytes('models/retinaface-mnet025/retinaface-mnet025.onnx');
    await page.route('**/bad/truncated.onnx', (r) => r.fulfill({ body: model.subarray(0, 200_000), contentType: 'application/octet-stream' }));
    await page.route('**/bad/page.onnx', (r) => r.fulfill({ body: '<!doctype html><title>App</title>', contentType: 'text/html' }));
    await page.route('**/bad/page-as-binary.onnx', (r) => r.fulfill({ body: '<!DOCTYPE html><html></html>', contentType: 'application/octet-stream' }));
    await page.route('**/bad/classifier.onnx', (r) => r.fulfill({ body: Buffer.from(tinyClassifierOnnx()), contentType: 'application/octet-stream' }));
    const errors = await page.evaluate(async () => {
      const attempt = async (options: object) => {
        try {
          const d = await window.rfw.createFaceDetector({ backend: 'wasm', cache: false, ...options });
          await d.dispose();
          return { name: 'no error', message: '', typed: false };
        } catch (e) {
          const err = e as Error;
          return { name: err.name, message: err.message, typed: e instanceof window.rfw.FaceDetectorError };
        }
      };
      const afterDispose = async () => {
        const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
        await d.dispose();
        try {
          await d.detect(new ImageData(64, 64));
          return { name: 'no error', message: '', typed: false };
        } catch (e) {
          return { name: (e as Error).name, message: (e as Error).message, typed: e instanceof window.rfw.DisposedError };
        }
      };
      return {
        missing: await attempt({ model: '/bad/missing.onnx' }),
        html: await attempt({ model: '/bad/page.onnx' }),
        htmlAsBinary: await attempt({ model: '/bad/page-as-binary.onnx' }),
        truncated: await attempt({ model: '/bad/truncated.onnx' }),
        classifier: await attempt({ model: '/bad/classifier.onnx' }),
        integrity: await attempt({ integrity: '0'.repeat(64) }),
        wasmMissing: await attempt({ wasmPaths: '/nowhere/' }),
        afterDispose: await afterDispose(),
      };
    });
    expect(errors.missing).toMatchObject({ name: 'ModelLoadError', typed: true });
    expect(errors.missing.message).toMatch(/404/);
    expect(errors.html).toMatchObject({ name: 'ModelLoadError', typed: true });
    expect(errors.html.message).toMatch(/HTML/);
    expect(errors.htmlAsBinary).toMatchObject({ name: 'ModelLoadError', typed: true });
    expect(errors.htmlAsBinary.message).toMatch(/HTML/);
    expect(errors.truncated).toMatchObject({ name: 'ModelLoadError', typed: true });
    expect(errors.truncated.message).toMatch(/truncated|not an ONNX/);
    expect(errors.classifier).toMatchObject({ name: 'UnsupportedModelError', typed: true });
    expect(errors.classifier.message).toMatch(/found 1 outputs: logits \[1,3\]/);
    expect(errors.integrity).toMatchObject({ name: 'ModelLoadError', typed: true });
    expect(errors.integrity.message).toMatch(/sha256/);
    expect(errors.wasmMissing).toMatchObject({ name: 'BackendError', typed: true });
    expect(errors.wasmMissing.message).toMatch(/wasmPaths/);
    expect(errors.afterDispose).toMatchObject({ name: 'DisposedError', typed: true });
  });

  test('bad images give InvalidInputError and the detector keeps working', async ({ page }) => {
    await openHarness(page);
    const r = await page.evaluate(async () => {
      const d = await window.rfw.createFaceDetector({ backend: 'wasm' });
      const names: string[] = [];
      for (const source of [new Blob([]), new Blob(['not an image'], { type: 'image/jpeg' }), new Image(), document.createElement('video')]) {
        try {
          await d.detect(source as Blob);
          names.push('no error');
        } catch (e) {
          names.push(`${(e as Error).name}${e instanceof window.rfw.InvalidInputError ? '' : ' (untyped)'}`);
        }
      }
      const ok = await d.detect(await (await fetch('/shared/testdata/photos/astronaut.png')).blob());
      await d.dispose();
      return { names, faces: ok.faces.length };
    });
    expect(r.names).toEqual(['InvalidInputError', 'InvalidInputError', 'InvalidInputError', 'InvalidInputError']);
    expect(r.faces).toBe(1);
  });
});

test("quality 'best' in the browser gives the faces of the CLI's --tta (the two resize the pyramid with different filters)", async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const image = 'testdata/photos/group-640x480.jpg';
  const [cli] = await runCli(['--tta', '--score', '0.5', sharedFile(image)]);
  const [fast] = await runCli(['--score', '0.5', sharedFile(image)]);
  const browser = await detectInPage(page, image, { backend: 'wasm', scoreThreshold: 0.5, quality: 'best' });
  const iou = (a: Face['box'], b: Face['box']) => {
    const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
    const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
    return w > 0 && h > 0 ? (w * h) / (a.width * a.height + b.width * b.height - w * h) : 0;
  };
  expect(browser.faces.length).toBeGreaterThanOrEqual(fast.faces.length);
  expect(Math.abs(browser.faces.length - cli.faces.length)).toBeLessThanOrEqual(1);
  const matched = browser.faces.filter((f) => cli.faces.some((g) => iou(f.box, g.box) >= 0.85));
  expect(matched.length).toBeGreaterThanOrEqual(Math.min(browser.faces.length, cli.faces.length) - 1);
  // The largest pass of the pyramid is what inputSize reports.
  expect(Math.max(browser.inputSize.width, browser.inputSize.height)).toBeGreaterThan(640);
});

// Issue 10, pre-processing where it is cheapest: on WASM the worker hands onnxruntime the frame's RGBA bytes and
// the model's own pre-processing runs at the head of its graph. Against the JavaScript packer (the same session
// otherwise) the faces must be the same to the last bit (tolerance 0: the unit tests show the model outputs are
// bit-identical), on every frame path: bitmaps, video frames, page-packed tensors, padding, transparency, and
// best-quality mode's mirrored passes. One thread, so that both detectors run the very same kernels.
test('the in-graph pre-processing gives the faces of the JavaScript packer, to the last bit', async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const results = await page.evaluate(async () => {
    const photo = await createImageBitmap(await (await fetch('/shared/testdata/photos/group-640x480.jpg')).blob());
    // A source with transparent pixels: the photo drawn half transparent over a transparent canvas.
    const canvas = new OffscreenCanvas(320, 240);
    const ctx = canvas.getContext('2d')!;
    ctx.globalAlpha = 0.6;
    ctx.drawImage(photo, 0, 0, 320, 240);
    const transparent = ctx.getImageData(0, 0, 320, 240);
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = (() => {
      const c = document.createElement('canvas');
      [c.width, c.height] = [640, 480];
      c.getContext('2d')!.drawImage(photo, 0, 0);
      return c.captureStream();
    })();
    await video.play();
    const out: Record<string, unknown> = {};
    for (const model of ['retinaface-mnet025', 'retinaface-mnet025-biubug6', 'yunet']) {
      const [graph, script] = [
        await window.rfw.createFaceDetector({ model, backend: 'wasm', numThreads: 1, scoreThreshold: 0.3 }),
        await window.rfw.createFaceDetector({ model, backend: 'wasm', numThreads: 1, scoreThreshold: 0.3, inGraphPreprocessing: false }),
      ];
      const frame = new VideoFrame(video);
      const cases: [string, () => unknown, Parameters<typeof graph.detect>[1]][] = [
        ['bitmap 640x480', () => photo, {}],
        ['bitmap, scaled and padded', () => photo, { maxInputSize: { width: 301, height: 301 } }],
        ['tensor path', () => photo, { framePath: 'tensor' }],
        ['tensor path, padded', () => photo, { framePath: 'tensor', maxInputSize: { width: 301, height: 301 } }],
        ['transparent pixels', () => transparent, {}],
        ['transparent pixels, tensor path', () => transparent, { framePath: 'tensor' }],
        ['video frame', () => frame, {}],
        ['video frame, scaled', () => frame, { maxInputSize: { width: 320, height: 320 } }],
      ];
      if (model !== 'yunet') cases.push(['best quality (mirrored passes)', () => transparent, { quality: 'best' }]);
      const pairs: Record<string, unknown> = {};
      for (const [name, source, settings] of cases) {
        const a = await graph.detect(source() as ImageBitmap, settings);
        const b = await script.detect(source() as ImageBitmap, settings);
        pairs[name] = { graph: a.faces, script: b.faces, inputSize: a.inputSize };
      }
      frame.close();
      out[model] = { input: [graph.model.input, script.model.input], reasons: [graph.model.inputReason, script.model.inputReason], pairs };
      await graph.dispose();
      await script.dispose();
    }
    return out;
  });
  for (const [model, r] of Object.entries(results) as [string, { input: string[]; reasons: string[]; pairs: Record<string, { graph: Face[]; script: Face[]; inputSize: { width: number } }> }][]) {
    expect(r.input, model).toEqual(['rgba', 'float32']);
    expect(r.reasons[0]).toMatch(/RGBA bytes: the pre-processing runs at the head of the graph/);
    expect(r.reasons[1]).toMatch(/packed in the worker: inGraphPreprocessing is false/);
    for (const [name, { graph, script }] of Object.entries(r.pairs)) {
      expect(graph.length, `${model}, ${name}: faces found`).toBeGreaterThan(0);
      expect(graph, `${model}, ${name}`).toEqual(script);
    }
  }
  // The scaled cases pad: 640x480 fits 301x301 as 288x216 content in a 288x224 input.
  const scaled = (results['retinaface-mnet025'] as { pairs: Record<string, { inputSize: { width: number; height: number } }> }).pairs['bitmap, scaled and padded'];
  expect(scaled.inputSize).toEqual({ width: 288, height: 224 });
});
