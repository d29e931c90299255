import { expect, test } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { detectInPage, expectSameFaces, openHarness } from './helpers.ts';

// SwiftShader: WebGPU without a GPU, ~100x slower than WASM, so small inputs only.
test.use({ launchOptions: launchOptions(['--enable-unsafe-webgpu']) });

test("'auto' on a software adapter chooses WASM and says why", async ({ page }) => {
  await openHarness(page);
  const r = await detectInPage(page, 'testdata/photos/astronaut.png', { inputSize: { width: 160, height: 160 } });
  expect(r.backend).toBe('wasm');
  expect(r.reason).toMatch(/software WebGPU adapter/);
});

test('forced webgpu runs, matches WASM within 1 px, and falls back to WASM when the device is lost', async ({ page }) => {
  test.setTimeout(300_000);
  await openHarness(page);
  const small = { width: 160, height: 160 };
  const r = await page.evaluate(async (inputSize) => {
    const blob = await (await fetch('/shared/testdata/photos/astronaut.png')).blob();
    const wasm = await window.rfw.createFaceDetector({ backend: 'wasm', inputSize });
    const wasmFaces = (await wasm.detect(blob)).faces;
    await wasm.dispose();
    const changes: unknown[] = [];
    const gpu = await window.rfw.createFaceDetector({ backend: 'webgpu', inputSize, onBackendChange: (c) => changes.push(c) });
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
  expectSameFaces(r.after.faces, r.wasmFaces, 1e-3, 1e-5);
});
