// npm run bench:browser — in Chromium (Debian's, headless), on WASM: detect() end to end vs session.run alone,
// main-thread ms per frame for both frame paths, and the two onnxruntime-web bundles. Prints; asserts nothing.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from '@playwright/test';
import { launchOptions } from '../playwright.config.ts';
import { analyzeModel } from '../src/convert/model-info.ts';
import { decodeOnnx } from '../src/convert/onnx/onnx-io.ts';
import { cache, ensureModels, MODELS } from './bench-models.ts';

const PORT = 5174;
const RUNS = Number(process.env.RUNS ?? 30);
const rest = (path: string) => new URL(`../${path}`, import.meta.url).pathname;

/** A fresh bench page (fresh onnxruntime), with ../shared served (the dev server serves .cache/bench itself). */
async function openBenchPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.route('**/shared/**', (route) => route.fulfill({ path: rest(`../shared/${new URL(route.request().url()).pathname.split('/shared/')[1]}`) }));
  await page.goto(`${base}/bench/browser-bench.html`);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady);
  return page;
}

const server = spawn('npx', ['vite', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
const base = `http://localhost:${PORT}`;
try {
  for (let i = 0; !(await fetch(base).then((r) => r.ok, () => false)); i++) {
    if (i > 120) throw new Error('vite did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const browser = await chromium.launch(launchOptions());
  const page = await openBenchPage(browser);

  const f = (s: { median: number; p95: number }) => `${s.median.toFixed(1).padStart(7)} / ${s.p95.toFixed(1).padStart(7)}`;
  console.log(`\nDefault model (retinaface-mnet025), WASM, 640x480 frame (group-640x480.jpg on a canvas), ${RUNS} runs.`);
  console.log('ms per frame as median / p95.\n');
  console.log('threads  path     detect() total     session.run   detect/run   main thread    capture    worker pack    decode');
  for (const numThreads of [1, 2]) {
    for (const framePath of ['bitmap', 'tensor'] as const) {
      const r = await page.evaluate(
        ([n, p, runs]) => (window as any).benchDetect('/shared/testdata/photos/group-640x480.jpg', n, p, runs),
        [numThreads, framePath, RUNS] as const,
      );
      console.log(
        `${String(r.numThreads).padStart(7)}  ${framePath.padEnd(7)} ${f(r.total)}  ${f(r.inference)}   ${(r.total.median / r.inference.median).toFixed(3).padStart(9)}  ${f(r.mainThread)}  ${r.capture.median.toFixed(2).padStart(8)}  ${r.pack.median.toFixed(2).padStart(12)}  ${r.decode.median.toFixed(2).padStart(8)}`,
      );
    }
  }
  console.log('\nsession.run of the default model at 640x480 on the WASM EP, per onnxruntime-web bundle (median / p95 ms):');
  for (const numThreads of [1, 2]) {
    for (const bundle of ['wasm', 'jsep', 'webgpu'] as const) {
      const p = await openBenchPage(browser);
      const r = await p.evaluate(
        ([b, n, runs]) => (window as any).benchSession('/public/models/retinaface-mnet025.onnx', b, n, [[640, 480]], runs),
        [bundle, numThreads, RUNS] as const,
      );
      await p.close();
      console.log(`  ${numThreads} thread(s)  onnxruntime-web${bundle === 'jsep' ? '' : `/${bundle}`}`.padEnd(46) + f(r['640x480']));
    }
  }

  ensureModels();
  const sizes: [number, number][] = [[640, 640], [640, 480]];
  console.log('\nModels on the WASM EP in Chromium (onnxruntime-web/wasm): median / p95 ms per inference, GFLOP/s (OpenVINO rule)');
  for (const m of MODELS) {
    const onnx = decodeOnnx(new Uint8Array(readFileSync(cache + m.file)));
    for (const numThreads of [1, 2]) {
      const p = await openBenchPage(browser);
      const runs = m.id === 'r50' ? 3 : RUNS;
      const r = await p.evaluate(
        ([file, n, s, k]) => (window as any).benchSession(`/.cache/bench/${file}`, 'wasm', n, s, k),
        [m.file, numThreads, sizes, runs] as const,
      );
      await p.close();
      for (const [width, height] of sizes) {
        const gflop = (analyzeModel(onnx, { width, height }).openvino.flops ?? NaN) / 1e9;
        const s = r[`${width}x${height}`];
        console.log(`  ${m.label.padEnd(30)} ${`${width}x${height}`.padEnd(8)} ${numThreads} thread(s)  ${f(s)}   ${(gflop / (s.median / 1000)).toFixed(2).padStart(6)} GFLOP/s`);
      }
    }
  }
  await browser.close();
} finally {
  if (server.pid) process.kill(-server.pid);
}
