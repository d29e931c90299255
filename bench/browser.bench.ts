// npm run bench:browser — in Chromium (Debian's, headless), on WASM: detect() end to end vs session.run alone,
// main-thread ms per frame for both frame paths, and the two onnxruntime-web bundles. Prints; asserts nothing.
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import { launchOptions } from '../playwright.config.ts';

const PORT = 5174;
const RUNS = Number(process.env.RUNS ?? 30);
const server = spawn('npx', ['vite', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
const base = `http://localhost:${PORT}`;
try {
  for (let i = 0; !(await fetch(base).then((r) => r.ok, () => false)); i++) {
    if (i > 120) throw new Error('vite did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  const browser = await chromium.launch(launchOptions());
  const page = await browser.newPage();
  await page.route('**/shared/**', (route) =>
    route.fulfill({ path: new URL(`../../shared/${new URL(route.request().url()).pathname.split('/shared/')[1]}`, import.meta.url).pathname }),
  );
  await page.goto(`${base}/bench/browser-bench.html`);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady);

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
  console.log('\nonnxruntime-web bundles, WASM EP, session.run at 640x480 (median / p95 ms):');
  for (const numThreads of [1, 2]) {
    const r = await page.evaluate(([n, runs]) => (window as any).benchBundles('/public/models/retinaface-mnet025.onnx', n, runs), [numThreads, RUNS] as const);
    for (const [name, s] of Object.entries(r)) console.log(`  ${numThreads} thread(s)  ${name.padEnd(40)} ${f(s as { median: number; p95: number })}`);
  }
  await browser.close();
} finally {
  if (server.pid) process.kill(-server.pid);
}
