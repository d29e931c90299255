import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, type Page } from '@playwright/test';
import type { Face } from '../../src/index.ts';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const sharedRoot = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const sharedFile = (path: string): string => `${sharedRoot}${path}`;

/** Serves ../shared under /shared/ for the page (the dev server only serves the project). */
export async function serveShared(page: Page): Promise<void> {
  await page.route('**/shared/**', (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname.split('/shared/')[1]);
    return route.fulfill({ path: sharedFile(path), headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } });
  });
}

/** Opens the test harness page, which exposes the public API as `window.rfw`. */
export async function openHarness(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await serveShared(page);
  await page.goto('/tests/e2e/harness.html');
  await page.waitForFunction(() => (window as unknown as { harnessReady?: boolean }).harnessReady === true);
}

/** Runs the Node CLI (`retinaface-web detect --format json`) and returns its parsed output. */
export async function runCli(args: string[]): Promise<{ file: string; faces: Face[] }[]> {
  const { stdout } = await promisify(execFile)('node', ['bin/retinaface-web.js', 'detect', ...args], {
    cwd: projectRoot,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout);
}

export const modelBytes = (path: string): Buffer => readFileSync(sharedFile(path));

/** Both lists hold the same faces: each face of `a` has one in `b` within `px` pixels and `score` of score. */
export function expectSameFaces(a: Face[], b: Face[], px: number, score: number): void {
  expect(a.length, 'face count').toBe(b.length);
  const unused = new Set(b.map((_, i) => i));
  for (const f of a) {
    const match = [...unused].find((i) => {
      const g = b[i];
      const coords = (x: Face) => [x.box.x, x.box.y, x.box.width, x.box.height, ...x.landmarks.flat()];
      const cg = coords(g);
      return coords(f).every((v, k) => Math.abs(v - cg[k]) <= px) && Math.abs(f.score - g.score) <= score;
    });
    expect(match, `a face like ${JSON.stringify(f.box)} (score ${f.score})`).not.toBeUndefined();
    unused.delete(match!);
  }
}

/** Detects in the page: fetches a /shared/ image as a Blob, runs a fresh detector, disposes it. */
export const detectInPage = (page: Page, image: string, options: object) =>
  page.evaluate(
    async ({ image, options }) => {
      const blob = await (await fetch(`/shared/${image}`)).blob();
      const detector = await window.rfw.createFaceDetector(options);
      try {
        const result = await detector.detect(blob);
        return { faces: result.faces, backend: detector.backend, reason: detector.backendReason, inputSize: result.inputSize };
      } finally {
        await detector.dispose();
      }
    },
    { image, options },
  );

export type AdapterKind = 'none' | 'software' | 'hardware';

/**
 * What `backend: 'auto'` must choose in this browser on this machine, from the page's own WebGPU adapter: a
 * hardware adapter → WebGPU; a software one (SwiftShader) or none → WASM, with the reason. So the tests hold on
 * a laptop with a GPU as on this GPU-less machine.
 */
export async function expectedAutoBackend(page: Page): Promise<{ adapter: AdapterKind; backend: 'webgpu' | 'wasm'; reason: RegExp }> {
  const adapter: AdapterKind = await page.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
    return !a ? 'none' : a.info?.isFallbackAdapter ? 'software' : 'hardware';
  });
  if (adapter === 'hardware') return { adapter, backend: 'webgpu', reason: /^WebGPU adapter / };
  return { adapter, backend: 'wasm', reason: adapter === 'software' ? /software WebGPU adapter only/ : /no WebGPU/ };
}
