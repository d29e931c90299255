import { expect, test } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { openDemo } from './demo-helpers.ts';
import { sharedFile } from './helpers.ts';

// SwiftShader: WebGPU without a GPU, ~100x slower than WASM, so forced webgpu runs at 160x160 only.
test.use({ launchOptions: launchOptions(['--enable-unsafe-webgpu']) });

test("'auto' on a software WebGPU adapter shows WASM and why", async ({ page }) => {
  await openDemo(page);
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.locator('#backend-reason')).toContainText(/software WebGPU adapter/);
});

test('forced webgpu runs on a small input; a lost device switches to WASM with a message, detection goes on', async ({ page }) => {
  test.setTimeout(300_000);
  await openDemo(page, 'backend=webgpu&inputSize=160x160');
  await expect(page.getByLabel('Backend')).toHaveValue('webgpu');
  await expect(page.getByLabel('Input size')).toHaveValue('160x160');
  await expect(page.locator('#backend-badge')).toHaveAttribute('data-backend', 'webgpu');
  await expect(page.locator('#backend-badge')).toHaveText('WebGPU');
  await expect(page.locator('#backend-reason')).toContainText(/requested/);

  await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles(sharedFile('testdata/photos/astronaut.png'));
  await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.seq ?? 0), { timeout: 120_000 }).toBeGreaterThan(0);
  const first = (await page.evaluate(() => window.retinafaceDemo!.latest))!;
  expect(first).toMatchObject({ backend: 'webgpu', inputSize: { width: 160, height: 160 }, sourceSize: { width: 512, height: 512 } });
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
  const d = (k: 'x' | 'y' | 'width' | 'height') => Math.abs(after.faces[0].box[k] - first.faces[0].box[k]);
  for (const k of ['x', 'y', 'width', 'height'] as const) expect(d(k)).toBeLessThan(1);
});
