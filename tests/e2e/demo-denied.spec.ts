import { expect, test } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { CLIP, openDemo } from './demo-helpers.ts';
import { sharedFile } from './helpers.ts';

// A (fake) camera exists, but without --use-fake-ui-for-media-stream Chromium asks the user, and this
// context has not been granted the camera: headless Chromium refuses the request as a user would.
test.use({ launchOptions: launchOptions(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${CLIP}`]) });

test('camera permission denied: the page says so, and image mode still works', async ({ page }) => {
  await openDemo(page);
  expect(await page.evaluate(() => navigator.permissions.query({ name: 'camera' as PermissionName }).then((p) => p.state))).not.toBe('granted');
  await page.getByRole('button', { name: 'Start camera' }).click();
  const notice = page.locator('.notice[data-kind="camera-denied"]');
  await expect(notice).toBeVisible();
  await expect(notice).toHaveAttribute('role', 'alert');
  await expect(notice).toContainText('Camera permission denied.');
  await expect(notice).toContainText('Images and video files work without it.');
  expect(await page.evaluate(() => window.retinafaceDemo!.notices.map((n) => n.kind))).toEqual(['camera-denied']);
  await expect(page.getByRole('button', { name: 'Start camera' })).toBeEnabled();
  expect(await page.evaluate(() => window.retinafaceDemo!.source)).toBeNull();

  await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles(sharedFile('testdata/photos/astronaut.png'));
  await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.faces.length ?? -1), { timeout: 60_000 }).toBe(1);
  expect(await page.evaluate(() => window.retinafaceDemo!.latest!.source)).toBe('image');
  await expect(notice).toBeVisible(); // the message stays until dismissed or the camera starts
});

test('a busy camera (NotReadableError) gets its own message', async ({ page }) => {
  // Chromium cannot be made to hold the fake camera elsewhere; make getUserMedia fail as a busy camera does.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Could not start video source', 'NotReadableError'));
  });
  await openDemo(page);
  await page.getByRole('button', { name: 'Start camera' }).click();
  await expect(page.locator('.notice[data-kind="camera-busy"]')).toContainText('The camera is busy or could not start.');
  await expect(page.locator('.notice[data-kind="camera-busy"]')).toContainText('NotReadableError');
});
