// retinaface-web/wasm: the same API and faces, and its worker never loads onnxruntime's WebGPU code.
import { expect, test } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { expectSameFaces, openHarness } from './helpers.ts';

// With a WebGPU adapter present, so that 'auto' could have taken it.
test.use({ launchOptions: launchOptions(['--enable-unsafe-webgpu']) });

test("the WASM-only entry runs WASM for 'auto', refuses 'webgpu', and fetches no WebGPU bundle", async ({ page }) => {
  const fetched: string[] = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await openHarness(page);
  fetched.length = 0; // the harness page itself imports both entries
  const r = await page.evaluate(async () => {
    const blob = await (await fetch('/shared/testdata/photos/group-640x480.jpg')).blob();
    const d = await window.rfwWasm.createFaceDetector();
    const faces = (await d.detect(blob)).faces;
    const info = { backend: d.backend, reason: d.backendReason };
    await d.dispose();
    let refused = '';
    try {
      await window.rfwWasm.createFaceDetector({ backend: 'webgpu' });
    } catch (e) {
      refused = `${(e as Error).name}: ${(e as Error).message}`;
    }
    const full = await window.rfw.createFaceDetector({ backend: 'wasm' });
    const fullFaces = (await full.detect(blob)).faces;
    await full.dispose();
    return { faces, fullFaces, info, refused };
  });
  expect(r.info).toEqual({ backend: 'wasm', reason: 'the WASM-only build (retinaface-web/wasm)' });
  expect(r.refused).toMatch(/^BackendError: WebGPU was requested, but 'retinaface-web\/wasm' has no WebGPU backend/);
  expect(r.faces.length).toBe(20);
  expectSameFaces(r.faces, r.fullFaces, 0, 0);
  const wasmWorker = fetched.filter((p) => /detector-wasm\.worker/.test(p));
  expect(wasmWorker.length).toBeGreaterThan(0);
  expect(fetched.filter((p) => /ort-wasm-simd-threaded\.wasm$/.test(p)).length).toBeGreaterThan(0);
  expect(fetched.filter((p) => /asyncify|jsep|webgpu/.test(p) && /ort|onnxruntime/.test(p))).toEqual([]);
});
