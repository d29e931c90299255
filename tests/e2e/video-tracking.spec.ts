// watch() on Chromium's fake camera playing the clips of tests/support/clips.ts (made with ffmpeg, each frame's
// number stamped in its corner): stable ids, smoothing, prediction between results, the adaptive input size.
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { launchOptions } from '../../playwright.config.ts';
import { landmarkJitter, passes, record, shownFrameError, truthOf, idsPerFace, type Recording } from '../support/browser-recording.ts';
import { clipsUnavailable, ensureClips, type ClipName } from '../support/clips.ts';
import { openHarness } from './helpers.ts';

const why = clipsUnavailable();
const clips = why ? null : ensureClips();

/** A browser whose fake camera plays one clip (each clip needs its own browser), on the harness page. */
async function clipPage(name: ClipName, baseURL: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch(
    launchOptions(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clips![name].video}`]),
  );
  const page = await browser.newPage({ baseURL });
  await openHarness(page);
  return { browser, page };
}

for (const name of ['pan', 'still', 'reentry'] as ClipName[]) {
  test.describe(`on the ${name} clip`, () => {
    test.skip(!!why, why ?? '');
    const truth = () => clips![name].truth;
    let browser: Browser;
    let page: Page;
    test.beforeEach(async ({ baseURL }) => {
      ({ browser, page } = await clipPage(name, baseURL!));
    });
    test.afterEach(() => browser.close());

    if (name !== 'reentry') {
      test('a face keeps its id while it stays in view', async () => {
        test.setTimeout(180_000);
        const rec = await record(page, { inputSize: { width: 320, height: 256 } }, 8000);
        const perPass = idsPerFace(rec, truth()).filter((m) => m.size > 0);
        expect(perPass.length, 'passes of the clip with tracked faces').toBeGreaterThan(0);
        for (const ids of perPass) {
          for (const [face, seen] of ids) expect(new Set(seen).size, `face ${face}: ids ${[...new Set(seen)]}`).toBe(1);
        }
      });
    }

    if (name === 'reentry') {
      test('a face that leaves and comes back gets a new id; one that stays keeps its own', async () => {
        test.setTimeout(180_000);
        const rec = await record(page, { inputSize: { width: 320, height: 256 } }, 8000);
        // The left face (the photo's first at the left edge) is out of view in the middle of the clip.
        const t = truth();
        const leaving = t.per_frame[0].faces.find((f) => t.per_frame.some((p) => p.faces[f.face].visible_fraction === 0))!;
        const staying = t.per_frame[0].faces.find((f) => t.per_frame.every((p) => p.faces[f.face].visible_fraction === 1))!;
        let checked = 0;
        for (const pass of passes(rec.results)) {
          const before: number[] = [];
          const after: number[] = [];
          const stays: number[] = [];
          const gone = t.per_frame.findIndex((p) => p.faces[leaving.face].visible_fraction === 0);
          for (const r of pass) {
            for (const f of r.faces) {
              const g = truthOf(t, r.frame, f.box);
              if (!g || f.id === undefined || g.visible_fraction < 1) continue;
              if (g.face === staying.face) stays.push(f.id);
              if (g.face === leaving.face) (r.frame < gone ? before : after).push(f.id);
            }
          }
          if (!before.length || !after.length) continue;
          checked++;
          expect(new Set(stays).size, 'the face in view throughout keeps one id').toBe(1);
          for (const id of after) expect(before, 'a re-entering face gets a new id').not.toContain(id);
        }
        expect(checked, 'passes where the face was seen before and after').toBeGreaterThan(0);
      });
    }

    if (name === 'still') {
      test('smoothing cuts landmark jitter at least 3×, with a mean offset of at most 1 px', async () => {
        test.setTimeout(240_000);
        const smooth = await record(page, { inputSize: { width: 320, height: 256 } }, 6000);
        await page.reload();
        await page.waitForFunction(() => window.harnessReady === true);
        const raw = await record(page, { inputSize: { width: 320, height: 256 }, smoothing: false }, 6000);
        const jitter = landmarkJitter(smooth, raw, truth());
        expect(jitter.series).toBeGreaterThanOrEqual(4 * 5 * 2 - 4);
        const { raw: jitterRaw, smooth: jitterSmooth, offset } = jitter;
        console.log(`still clip: landmark jitter ${jitterRaw.toFixed(3)} px raw → ${jitterSmooth.toFixed(3)} px smoothed; mean offset ${offset.toFixed(3)} px`);
        expect(jitterRaw / jitterSmooth).toBeGreaterThanOrEqual(3);
        expect(offset).toBeLessThanOrEqual(1);
      });
    }

    if (name === 'pan') {
      test('prediction halves the box-centre error against the frame on screen', async () => {
        test.setTimeout(180_000);
        const rec = await record(page, { inputSize: { width: 320, height: 256 } }, 8000);
        const error = shownFrameError(rec, truth());
        console.log(`pan clip: box-centre error against the shown frame ${error.unpredicted.toFixed(1)} px → ${error.predicted.toFixed(1)} px predicted (${error.count} faces × frames)`);
        expect(error.count).toBeGreaterThan(20);
        expect(error.predicted).toBeLessThanOrEqual(error.unpredicted / 2);
      });

      test("inputSize 'auto': a budget it cannot meet takes it down to the minFaceSize bound, never below; an easy one keeps the largest", async () => {
        test.setTimeout(180_000);
        // 1000 results a second: every run is too slow. 1 a second: every run is fast.
        const slow = await record(page, { inputSize: 'auto', targetFps: 1000, minFaceSize: 80 }, 6000);
        const fast = await record(page, { inputSize: 'auto', targetFps: 1 }, 4000);
        const longSides = (r: Recording) => r.inputSizes.map((s) => Math.max(s.width, s.height));
        // 80 px faces with a 16 px smallest anchor: the input keeps at least 1/5 of 640 = 128 px.
        expect(Math.min(...longSides(slow))).toBeGreaterThanOrEqual(128);
        expect(longSides(slow).at(-1)).toBeLessThanOrEqual(160);
        expect(longSides(slow)[0]).toBeGreaterThan(longSides(slow).at(-1)!);
        expect(longSides(fast).every((s) => s === 640)).toBe(true);
      });
    }
  });
}
