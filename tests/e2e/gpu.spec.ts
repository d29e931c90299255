// WebGPU: what the machine has decides what 'auto' runs; forced WebGPU (any adapter, SwiftShader here: ~100x
// slower than WASM, so small inputs only) gives WASM's faces and survives a lost device, in the library and in
// the demo.
import { expect, test } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { openDemo } from './demo-helpers.ts';
import { detectInPage, expectSameFaces, expectedAutoBackend, openHarness, sharedFile } from './helpers.ts';

test.use({ launchOptions: launchOptions(['--enable-unsafe-webgpu']) });

const small = { width: 160, height: 160 };

test("'auto' follows the adapter: a hardware one runs WebGPU; a software one or none runs WASM and says why", async ({ page }) => {
  await openHarness(page);
  const expected = await expectedAutoBackend(page);
  const r = await detectInPage(page, 'testdata/photos/astronaut.png', { inputSize: small });
  expect(r.backend).toBe(expected.backend);
  expect(r.reason).toMatch(expected.reason);
  expect(r.faces).toHaveLength(1);

  await openDemo(page);
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', expected.backend);
  await expect(page.locator('#backend-reason')).toContainText(expected.reason);
});

test('on WebGPU the frame is packed on the GPU into the very tensor the CPU packer makes (no pixel read back)', async ({ page }) => {
  await openHarness(page);
  test.skip((await expectedAutoBackend(page)).adapter === 'none', 'this browser has no WebGPU adapter at all');
  const r = await page.evaluate(async () => {
    // Served by the dev server; typed from the sources.
    const load = (path: string) => import(/* @vite-ignore */ path);
    const { WebGpuPacker } = (await load('/src/runtime/webgpu-packer.ts')) as typeof import('../../src/runtime/webgpu-packer.ts');
    const { ImagePacker, planGeometry } = (await load('/src/core/index.ts')) as typeof import('../../src/core/index.ts');
    const MAP_READ = 0x1;
    const COPY_DST = 0x8;
    const device = await (await navigator.gpu.requestAdapter())!.requestDevice();
    const photo = await createImageBitmap(await (await fetch('/shared/testdata/photos/group-640x480.jpg')).blob());
    const out: Record<string, number> = {};
    for (const [name, normalization] of [
      ['insightface BGR', { channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] }],
      ['biubug6 BGR - mean', { channelOrder: 'BGR', mean: [104, 117, 123], std: [1, 1, 1] }],
      ['RGB mean/std', { channelOrder: 'RGB', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }],
    ] as const) {
      // 200x150 content in a 224x160 tensor: padding on the right and at the bottom.
      const geometry = planGeometry({ width: 200, height: 150 }, null);
      const bitmap = await createImageBitmap(photo, { resizeWidth: 200, resizeHeight: 150 });
      const canvas = new OffscreenCanvas(200, 150);
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const cpu = new ImagePacker(normalization).pack(canvas.getContext('2d')!.getImageData(0, 0, 200, 150), geometry, new Float32Array(3 * 224 * 160));
      const packer = new WebGpuPacker(device, normalization);
      const buffer = packer.pack(bitmap, geometry);
      const read = device.createBuffer({ size: buffer.size, usage: MAP_READ | COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, read, 0, buffer.size);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(1 /* GPUMapMode.READ */);
      const gpu = new Float32Array(read.getMappedRange().slice(0));
      let worst = 0;
      for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(gpu[i] - cpu[i]));
      out[name] = worst;
      out[`${name} length`] = gpu.length === cpu.length ? 1 : 0;
      packer.destroy();
    }
    device.destroy();
    return out;
  });
  for (const [name, worst] of Object.entries(r)) expect(worst, name).toBeLessThanOrEqual(name.endsWith('length') ? 1 : 1e-5);
  expect(Object.values(r).filter((_, i) => i % 2 === 1)).toEqual([1, 1, 1]);
});

test('forced webgpu matches WASM within 1 px; a lost device moves detection to WASM, even when onBackendChange throws', async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  test.skip((await expectedAutoBackend(page)).adapter === 'none', 'this browser has no WebGPU adapter at all');
  const reported: string[] = [];
  page.on('pageerror', (e) => reported.push(e.message));
  const r = await page.evaluate(async (inputSize) => {
    const blob = await (await fetch('/shared/testdata/photos/astronaut.png')).blob();
    const wasm = await window.rfw.createFaceDetector({ backend: 'wasm', inputSize });
    const wasmFaces = (await wasm.detect(blob)).faces;
    await wasm.dispose();
    const changes: unknown[] = [];
    const gpu = await window.rfw.createFaceDetector({
      backend: 'webgpu',
      inputSize,
      onBackendChange: (c) => {
        changes.push(c);
        throw new Error('a broken callback');
      },
    });
    const events: string[] = [];
    gpu.addEventListener('backendchange', (e) => events.push((e as CustomEvent).detail.backend));
    const first = await gpu.detect(blob);
    const lost = await gpu.simulateDeviceLoss();
    const after = await gpu.detect(blob);
    await gpu.dispose();
    return { wasmFaces, first, lost, after, changes, events, backendAfter: gpu.backend, reason: gpu.backendReason };
  }, small);
  expect(r.first.backend).toBe('webgpu');
  expect(r.first.inputSize).toEqual(small);
  expect(r.wasmFaces.length).toBeGreaterThan(0);
  expectSameFaces(r.first.faces, r.wasmFaces, 1, 0.01);

  expect(r.lost).toBe(true);
  expect(r.after.backend).toBe('wasm');
  expect(r.backendAfter).toBe('wasm');
  expect(r.reason).toMatch(/device lost/i);
  expect(r.changes).toHaveLength(1);
  expect(r.events).toEqual(['wasm']);
  expect(reported).toContain('a broken callback'); // reported, not swallowed, and it did not lose the event
  expectSameFaces(r.after.faces, r.wasmFaces, 1e-3, 1e-5);
});

test('the demo on forced webgpu: a lost device switches to WASM with a message, detection goes on', async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  test.skip((await expectedAutoBackend(page)).adapter === 'none', 'this browser has no WebGPU adapter at all');
  await openDemo(page, 'backend=webgpu&inputSize=160x160');
  await expect(page.getByLabel('Backend')).toHaveValue('webgpu');
  await expect(page.getByLabel('Input size')).toHaveValue('160x160');
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.locator('#backend-badge')).toHaveText('WebGPU');
  await expect(page.locator('#backend-reason')).toContainText(/requested/);

  await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles(sharedFile('testdata/photos/astronaut.png'));
  await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.seq ?? 0), { timeout: 120_000 }).toBeGreaterThan(0);
  const first = (await page.evaluate(() => window.retinafaceDemo!.latest))!;
  expect(first).toMatchObject({ backend: 'webgpu', inputSize: small, sourceSize: { width: 512, height: 512 } });
  expect(first.faces).toHaveLength(1);

  expect(await page.evaluate(() => window.retinafaceDemo!.simulateDeviceLoss())).toBe(true);
  // Detect again (a control change re-runs the image): the detector reports the switch.
  await page.getByLabel(/Max faces/).fill('3');
  await page.getByLabel(/Max faces/).press('Enter');
  const lost = page.locator('.notice[data-kind="webgpu-lost"]');
  await expect(lost).toContainText('The WebGPU backend was lost; detection switched to WASM.', { timeout: 120_000 });
  await expect(lost).toHaveAttribute('role', 'status');
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.locator('#backend-reason')).toContainText(/lost/i);
  await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.seq ?? 0)).toBeGreaterThan(first.seq);
  const after = (await page.evaluate(() => window.retinafaceDemo!.latest))!;
  expect(after.backend).toBe('wasm');
  expect(after.faces).toHaveLength(1);
  for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(after.faces[0].box[k] - first.faces[0].box[k])).toBeLessThan(1);
});
