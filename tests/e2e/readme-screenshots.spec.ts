// Makes the README's pictures of the demo page: `npm run docs:screenshots` writes docs/demo-*.png.
// Skipped in the normal test run (it writes files in the repository).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { launchOptions } from '../../playwright.config.ts';
import { openDemo } from './demo-helpers.ts';
import { projectRoot, sharedFile } from './helpers.ts';

const enabled = !!process.env.README_SCREENSHOTS;
const docs = `${projectRoot}docs/`;
// Photos from @vladmandic/face-api (MIT), not the WIDER FACE clip (research-only images stay out of the repo).
const CAMERA_PHOTO = sharedFile('testdata/photos/vladmandic-sample4.jpg');
const IMAGE_PHOTO = sharedFile('testdata/photos/vladmandic-sample1.jpg');
const camera = `${tmpdir()}/retinaface-web-readme-camera.y4m`;

/** Saves a screenshot as a palette PNG (a third of the size, no visible change at this content). */
const save = async (png: Buffer, name: string) => {
  mkdirSync(docs, { recursive: true });
  await sharp(png).png({ palette: true, quality: 95, compressionLevel: 9 }).toFile(`${docs}${name}`);
};

/** A 640x480, 10 fps Y4M clip that pans slowly across `photo`, for Chromium's fake webcam. */
async function makeClip(photo: string, out: string, frames = 30): Promise<void> {
  const { data, info } = await sharp(photo).resize({ width: 720 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [W, H] = [640, 480];
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let n = 0; n < frames; n++) {
    const ox = Math.round(((info.width - W) * n) / (frames - 1));
    const oy = Math.round((info.height - H) / 2);
    const y = Buffer.alloc(W * H);
    const u = Buffer.alloc((W * H) / 4);
    const v = Buffer.alloc((W * H) / 4);
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const i = ((oy + r) * info.width + ox + c) * 3;
        const [R, G, B] = [data[i], data[i + 1], data[i + 2]];
        y[r * W + c] = Math.round(0.299 * R + 0.587 * G + 0.114 * B); // full-range BT.601 (C420jpeg)
        if (r % 2 === 0 && c % 2 === 0) {
          const k = (r / 2) * (W / 2) + c / 2;
          u[k] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * R - 0.331264 * G + 0.5 * B)));
          v[k] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * R - 0.418688 * G - 0.081312 * B)));
        }
      }
    }
    parts.push(Buffer.from('FRAME\n'), y, u, v);
  }
  writeFileSync(out, Buffer.concat(parts));
}

if (enabled) await makeClip(CAMERA_PHOTO, camera);
test.use({ launchOptions: launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${camera}`]) });

test.describe('README screenshots', () => {
  test.skip(!enabled, 'run `npm run docs:screenshots` to write docs/demo-*.png');

  test('camera', async ({ page }) => {
    await openDemo(page);
    await page.getByLabel('Mirror (selfie view)').check();
    await page.getByRole('button', { name: 'Start camera' }).click();
    await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.seq ?? 0), { timeout: 30_000 }).toBeGreaterThan(15);
    await expect(page.locator('#fps')).toHaveText(/\d/);
    await page.getByRole('button', { name: 'Stop camera' }).blur();
    await save(await page.screenshot(), 'demo-camera.png');
  });

  test('image', async ({ page }) => {
    await openDemo(page);
    await expect(page.locator('#model-note')).toBeVisible();
    await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles(IMAGE_PHOTO);
    await expect.poll(() => page.evaluate(() => window.retinafaceDemo?.latest?.faces.length ?? 0), { timeout: 30_000 }).toBeGreaterThan(0);
    await save(await page.screenshot(), 'demo-image.png');
  });
});
