import { expect, test, type Page } from '@playwright/test';
import { openDemo } from './demo-helpers.ts';

/** Records every model load state the page goes through (`downloading`, `warming`, `ready`, `error`). */
async function recordLoadStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const status = document.getElementById('status')!;
    const w = window as unknown as { loadStates: string[] };
    w.loadStates = [];
    new MutationObserver(() => w.loadStates.push(status.dataset.state!)).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
}
const loadStates = (page: Page) => page.evaluate(() => (window as unknown as { loadStates: string[] }).loadStates);
/**
 * Waits for the load a key started to reach `ready`. The status may still show the first load's `ready` for a
 * moment after the key, so this waits on the recorded states, not on the attribute.
 */
const loadFinished = (page: Page) => expect.poll(() => loadStates(page), { timeout: 60_000 }).toContain('ready');
const loadedModel = (page: Page) => page.evaluate(() => window.retinafaceDemo!.model);

test('arrowing through the Model list loads nothing until Enter, and focus stays in the list', async ({ page }) => {
  await openDemo(page);
  await recordLoadStates(page);
  const model = page.getByLabel('Model', { exact: true });
  await model.focus();
  // Down: the biubug6 build; End: "Model URL…", which shows its form; up three times: back over the exact build
  // and YuNet (ResNet-50, not installed, is skipped) to the biubug6 build.
  await page.keyboard.press('ArrowDown');
  await expect(model).toHaveValue('retinaface-mnet025-biubug6');
  await page.keyboard.press('End');
  await expect(model).toHaveValue('custom');
  await expect(page.locator('#model-url-form')).toBeVisible();
  await expect(model).toBeFocused(); // not pulled into the URL box
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('#model-url-form')).toBeHidden();
  await expect(model).toHaveValue('retinaface-mnet025-exact');
  await page.keyboard.press('ArrowUp');
  await expect(model).toHaveValue('yunet');
  await page.keyboard.press('ArrowUp');
  await expect(model).toHaveValue('retinaface-mnet025-biubug6');
  await expect(model).toBeFocused();
  expect(await loadStates(page)).toEqual([]); // nothing loaded yet
  expect(await loadedModel(page)).toMatch(/\/retinaface-mnet025\.onnx$/);

  // Enter commits the choice: one load, of the model shown.
  await page.keyboard.press('Enter');
  await loadFinished(page);
  expect(await loadedModel(page)).toMatch(/\/retinaface-mnet025-biubug6\.onnx$/);
  expect((await loadStates(page)).filter((s) => s === 'downloading' || s === 'warming').length).toBeGreaterThan(0);
  expect((await loadStates(page)).filter((s) => s === 'ready')).toHaveLength(1);
  await expect(model).toBeFocused();
});

test('leaving the Model list with Tab commits the choice it shows; on "Model URL…" Tab goes to the URL box', async ({ page }) => {
  await openDemo(page);
  await recordLoadStates(page);
  const model = page.getByLabel('Model', { exact: true });
  await model.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await loadFinished(page);
  expect(await loadedModel(page)).toMatch(/\/retinaface-mnet025-biubug6\.onnx$/);
  expect((await loadStates(page)).filter((s) => s === 'ready')).toHaveLength(1);

  await model.focus();
  await page.keyboard.press('End'); // "Model URL…"
  await expect(model).toHaveValue('custom');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Model URL (.onnx)')).toBeFocused();
  expect((await loadStates(page)).filter((s) => s === 'ready')).toHaveLength(1); // no load for an empty URL
});

test('the Backend list also waits for Enter (arrowing over webgpu does not try it)', async ({ page }) => {
  await openDemo(page);
  await recordLoadStates(page);
  const backend = page.getByLabel('Backend');
  await backend.focus();
  await page.keyboard.press('ArrowDown'); // webgpu: this machine has no adapter, so loading it would fail
  await page.keyboard.press('ArrowDown'); // wasm
  await expect(backend).toHaveValue('wasm');
  expect(await loadStates(page)).toEqual([]);
  expect(await page.locator('.notice').count()).toBe(0);
  await page.keyboard.press('Enter');
  await loadFinished(page);
  expect((await loadStates(page)).filter((s) => s === 'ready')).toHaveLength(1);
  expect(await page.locator('.notice').count()).toBe(0);
});

test('dismissing a notice from the keyboard leaves focus on a control, never on the page body', async ({ page }) => {
  // Two messages at once: a file that is no image, and a camera that is busy.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Could not start video source', 'NotReadableError'));
  });
  await openDemo(page);
  await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.locator('.notice[data-kind="file-error"]')).toBeVisible();
  const start = page.getByRole('button', { name: 'Start camera' });
  await start.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.notice[data-kind="camera-busy"]')).toBeVisible();
  await expect(start).toBeFocused(); // the button stayed focused while the camera was being opened

  // The camera's notice: back to the camera button, the control that deals with it.
  await page.getByRole('button', { name: 'Dismiss: The camera is busy or could not start.' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.notice[data-kind="camera-busy"]')).toHaveCount(0);
  await expect(start).toBeFocused();
  // The file's notice: back to the file picker.
  await page.getByRole('button', { name: 'Dismiss: notes.txt is not an image or a video.' }).focus();
  await page.keyboard.press('Space');
  await expect(page.locator('.notice')).toHaveCount(0);
  await expect(page.getByLabel('Open a JPEG or PNG image, or a video')).toBeFocused();
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
});
