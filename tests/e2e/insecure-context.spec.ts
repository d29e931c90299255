// A page on plain http from a LAN-style host name (not localhost) is not a secure context: no crypto.subtle,
// no Cache Storage, no cross-origin isolation. The detector must still load, and `integrity` must still work.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { launchOptions } from '../../playwright.config.ts';
import { projectRoot, serveShared } from './helpers.ts';

test.use({ launchOptions: launchOptions(['--host-resolver-rules=MAP lan.test 127.0.0.1']) });

const sha256 = createHash('sha256').update(readFileSync(`${projectRoot}public/models/retinaface-mnet025.onnx`)).digest('hex');

test('integrity works without crypto.subtle: the right hash loads, a wrong one is a ModelLoadError', async ({ page, baseURL }) => {
  await serveShared(page);
  const port = new URL(baseURL!).port;
  await page.goto(`http://lan.test:${port}/tests/e2e/harness.html`);
  await page.waitForFunction(() => window.harnessReady === true);
  const r = await page.evaluate(async (sha256) => {
    const context = { secure: isSecureContext, subtle: typeof crypto.subtle, caches: 'caches' in globalThis };
    const d = await window.rfw.createFaceDetector({ backend: 'wasm', integrity: sha256 });
    const faces = (await d.detect(await (await fetch('/shared/testdata/photos/astronaut.png')).blob())).faces.length;
    const threads = d.numThreads;
    await d.dispose();
    let wrong = '';
    try {
      await window.rfw.createFaceDetector({ backend: 'wasm', integrity: '0'.repeat(64) });
    } catch (e) {
      wrong = `${(e as Error).name}: ${(e as Error).message}`;
    }
    return { context, faces, threads, wrong };
  }, sha256);
  expect(r.context).toEqual({ secure: false, subtle: 'undefined', caches: false });
  expect(r.faces).toBe(1);
  expect(r.threads).toBe(1);
  expect(r.wrong).toMatch(new RegExp(`^ModelLoadError: .*expected 0{64}, got ${sha256}`));
});
