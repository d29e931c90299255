// npm run bench:peers [-- --quick] [-- --report-only]: retinaface-web against the browser face detectors users
// would pick instead, in one headless Chromium, everything served from this machine. Accuracy (WIDER FACE AP),
// speed (interleaved round-robin at 640x480 and 1280x720), cold start-up and bytes fetched; writes
// docs/benchmarks.md and docs/benchmarks.svg and prints the table. --report-only rewrites the docs from the last
// run's saved results and predictions (re-evaluating AP). BENCH_PEERS_ONLY=id,id runs only those detectors (to
// try one). Run it under `flock /tmp/bench.lock`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, relative } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import sharp from 'sharp';
import { launchOptions } from '../../playwright.config.ts';
import { DEFAULT_MODEL_ID, MODEL_CATALOG } from '../../src/models/catalog.ts';
import { EVALUATION, widerAp, type DetectFileResult } from './accuracy.ts';
import { chartPoints, chartSvg } from './chart.ts';
import { ACCURACY_SCORE, PEER_DETECTORS, retinafaceDetectors, SPEED_SCORE, type DetectorSpec } from './detectors.ts';
import { markdownReport, tableRows, textTable } from './report.ts';
import { SPEED_SIZES, summarize, type BenchResults, type DetectorResult, type SpeedSize } from './results.ts';
import { buildSite, cacheDir, repo, startServer, type BenchServer } from './server.ts';

const PORT = Number(process.env.BENCH_PEERS_PORT ?? 5402);
const quick = process.argv.includes('--quick');
const reportOnly = process.argv.includes('--report-only');
const WARMUP = quick ? 2 : 10;
const TIMED = quick ? 5 : 60;
const STARTUP_RUNS = quick ? 1 : 2;
const IMAGES = quick ? 8 : Infinity;

const imagesDir = join(repo, '../shared/testdata/wider-val-120/images');
const FRAMES: Record<SpeedSize, string> = { '640x480': '/shared/testdata/photos/group-640x480.jpg', '1280x720': '/frames/1280x720.jpg' };
const resultsFile = join(cacheDir, 'results.json');
const predictionsDir = join(cacheDir, 'predictions');
const log = (...args: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0].replace(/^page\.evaluate: (Error: )?/, '').slice(0, 240);

/** The 1280x720 frame: a cut of one of the shared photos (made once). */
async function makeFrames(): Promise<void> {
  const file = join(cacheDir, 'frames/1280x720.jpg');
  if (existsSync(file)) return;
  mkdirSync(join(cacheDir, 'frames'), { recursive: true });
  await sharp(join(repo, '../shared/testdata/photos/vladmandic-sample1.jpg')).rotate().resize(1280, 720, { fit: 'cover' }).jpeg({ quality: 90 }).toFile(file);
}

function listImages(): string[] {
  const files = readdirSync(imagesDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jpg'))
    .map((e) => relative(imagesDir, join(e.parentPath, e.name)))
    .sort();
  return files.slice(0, IMAGES);
}

function detectorList(): { specs: DetectorSpec[]; missing: string[] } {
  // The exact build is the default's research twin (the same detections, a little slower): not a choice users weigh.
  const compared = MODEL_CATALOG.filter((m) => m.id !== 'retinaface-mnet025-exact');
  const installed = compared.filter((m) => existsSync(join(repo, 'public/models', m.file)));
  const missing = compared.filter((m) => !installed.includes(m)).map((m) => `retinaface-web ${m.id} (public/models/${m.file})`);
  const only = process.env.BENCH_PEERS_ONLY?.split(',');
  const specs = [...retinafaceDetectors(installed, DEFAULT_MODEL_ID), ...PEER_DETECTORS].filter((s) => !only || only.includes(s.id));
  return { specs, missing };
}

const frameUrl = (base: string, spec: DetectorSpec, score: number, startup?: string) =>
  `${base}/bench/peers/frame.html?${new URLSearchParams({ spec: JSON.stringify(spec), score: String(score), ...(startup ? { startup } : {}) })}`;

/** A fresh context that notes every request to a host other than the local server. */
async function freshContext(browser: Browser, external: Set<string>): Promise<BrowserContext> {
  const context = await browser.newContext();
  context.on('request', (r) => {
    const url = new URL(r.url());
    if (url.hostname !== '127.0.0.1' && url.protocol !== 'blob:' && url.protocol !== 'data:') external.add(url.origin);
  });
  return context;
}

async function runAccuracy(browser: Browser, server: BenchServer, spec: DetectorSpec, images: string[], external: Set<string>, result: DetectorResult): Promise<DetectFileResult[] | null> {
  const context = await freshContext(browser, external);
  try {
    const page = await context.newPage();
    await page.goto(frameUrl(server.url, spec, spec.accuracyScore ?? ACCURACY_SCORE));
    try {
      Object.assign(result, await page.evaluate(() => (window as any).peer.ready));
    } catch (error) {
      result.notRun = firstLine(error);
      return null;
    }
    const out: DetectFileResult[] = [];
    for (const image of images) {
      const r = await page.evaluate((url) => (window as any).peer.detectUrl(url), `/shared/testdata/wider-val-120/images/${image}`);
      out.push({ file: `../shared/testdata/wider-val-120/images/${image}`, ...r });
    }
    return out;
  } finally {
    await context.close();
  }
}

async function runSpeed(browser: Browser, server: BenchServer, specs: DetectorSpec[], size: SpeedSize, external: Set<string>, results: Map<string, DetectorResult>): Promise<void> {
  const context = await freshContext(browser, external);
  try {
    const page: Page = await context.newPage();
    await page.goto(`${server.url}/bench/peers/index.html`);
    await page.waitForFunction(() => (window as any).harnessReady);
    const ids: string[] = [];
    for (const spec of specs) {
      const ready = await page.evaluate(([s, score]) => (window as any).harness.addFrame(s, score), [spec, SPEED_SCORE] as const);
      if ('error' in ready) results.get(spec.id)!.speed![size] = { error: ready.error };
      else ids.push(spec.id);
    }
    await page.evaluate((url) => (window as any).harness.setFrame(url), FRAMES[size]);
    const times = new Map<string, number[]>(ids.map((id) => [id, []]));
    const faces = new Map<string, number>();
    for (let round = 0; round < WARMUP + TIMED; round++) {
      const order = [...ids.slice(round % ids.length), ...ids.slice(0, round % ids.length)];
      const calls: Record<string, { ms: number; faces: number }> = await page.evaluate((o) => (window as any).harness.round(o), order);
      if (round < WARMUP) continue;
      for (const id of ids) times.get(id)!.push(calls[id].ms);
      for (const id of ids) faces.set(id, calls[id].faces);
    }
    for (const id of ids) results.get(id)!.speed![size] = { ...summarize(times.get(id)!), runs: TIMED, faces: faces.get(id)! };
  } finally {
    await context.close();
  }
}

async function runStartup(browser: Browser, server: BenchServer, spec: DetectorSpec, external: Set<string>) {
  const context = await freshContext(browser, external);
  try {
    const page = await context.newPage();
    server.resetBytes();
    await page.goto(frameUrl(server.url, spec, SPEED_SCORE, FRAMES['640x480']));
    const r: { ms: number; faces: number } = await page.evaluate(() => (window as any).peer.startup);
    return { ...r, bytes: server.bytes() };
  } finally {
    await context.close();
  }
}

function commit(): string {
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench', 'package.json'], { cwd: repo, encoding: 'utf8' }).trim();
  return dirty ? `${head} + local changes` : head;
}

async function measure(): Promise<BenchResults> {
  const t0 = Date.now();
  const loadAtStart = loadavg()[0];
  const { specs, missing } = detectorList();
  const images = listImages();
  await makeFrames();
  log('building the pages (vite build)');
  await buildSite();
  const server = await startServer(PORT);
  const browser = await chromium.launch(launchOptions());
  const external = new Set<string>();
  const results = new Map<string, DetectorResult>(specs.map((spec) => [spec.id, { spec, speed: {} }]));
  try {
    mkdirSync(predictionsDir, { recursive: true });
    for (const spec of specs) {
      const t = Date.now();
      const result = results.get(spec.id)!;
      const predictions = await runAccuracy(browser, server, spec, images, external, result);
      if (predictions) writeFileSync(join(predictionsDir, `${spec.id}.json`), JSON.stringify(predictions));
      log(`accuracy  ${spec.id}: ${result.notRun ? `not run (${result.notRun})` : `${images.length} images in ${((Date.now() - t) / 1000).toFixed(0)} s, ${result.runtime}, ${result.threads} thread(s)`}`);
    }
    const timed = specs.filter((s) => s.timed && !results.get(s.id)!.notRun);
    for (const size of SPEED_SIZES) {
      const t = Date.now();
      await runSpeed(browser, server, timed, size, external, results);
      log(`speed     ${size}: ${timed.length} detectors × ${WARMUP}+${TIMED} calls in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    }
    const runs = new Map<string, number[]>(timed.map((s) => [s.id, []]));
    for (let rep = 0; rep < STARTUP_RUNS; rep++) {
      const order = [...timed.slice(rep % timed.length), ...timed.slice(0, rep % timed.length)];
      for (const spec of order) {
        const result = results.get(spec.id)!;
        try {
          const r = await runStartup(browser, server, spec, external);
          runs.get(spec.id)!.push(r.ms);
          result.startup = { median: summarize(runs.get(spec.id)!).median, runs: runs.get(spec.id)!, bytes: r.bytes, faces: r.faces };
        } catch (error) {
          result.startup = { error: firstLine(error) };
        }
      }
      log(`start-up  round ${rep + 1}/${STARTUP_RUNS} done`);
    }
    return {
      info: {
        date: new Date().toISOString(),
        commit: commit(),
        quick,
        cpu: cpus()[0]?.model ?? 'unknown CPU',
        cores: cpus().length,
        memoryGiB: totalmem() / 2 ** 30,
        os: `${type()} ${release()}`,
        node: process.version,
        browser: `Chromium ${browser.version()}`,
        accuracyImages: images.length,
        accuracyScore: ACCURACY_SCORE,
        speedScore: SPEED_SCORE,
        warmup: WARMUP,
        timed: TIMED,
        startupRuns: STARTUP_RUNS,
        externalRequests: [...external],
        evaluation: EVALUATION,
        missingModels: missing,
        minutes: (Date.now() - t0) / 60000,
        loadAverage: [loadAtStart, loadavg()[0]],
      },
      detectors: [...results.values()],
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** AP of every detector from its saved predictions. */
async function evaluate(results: BenchResults): Promise<void> {
  for (const d of results.detectors) {
    const file = join(predictionsDir, `${d.spec.id}.json`);
    d.ap = d.notRun || !existsSync(file) ? null : await widerAp(JSON.parse(readFileSync(file, 'utf8')) as DetectFileResult[]);
  }
  results.info.evaluation = EVALUATION;
}

async function renderChart(svg: string, png: string): Promise<void> {
  const browser = await chromium.launch(launchOptions());
  try {
    const page = await browser.newPage({ viewport: { width: 980, height: 580 } });
    await page.setContent(svg);
    await page.locator('svg').screenshot({ path: png });
  } finally {
    await browser.close();
  }
}

const results: BenchResults = reportOnly ? JSON.parse(readFileSync(resultsFile, 'utf8')) : await measure();
if (!reportOnly) writeFileSync(resultsFile, JSON.stringify(results, null, 1));
await evaluate(results);
mkdirSync(join(repo, 'docs'), { recursive: true });
const svg = chartSvg(chartPoints(results), `Face detectors in Chromium on this machine: WIDER FACE hard AP vs speed${results.info.quick ? ' (--quick run)' : ''}`);
writeFileSync(join(repo, 'docs/benchmarks.svg'), svg);
writeFileSync(join(repo, 'docs/benchmarks.md'), markdownReport(results));
await renderChart(svg, join(cacheDir, 'benchmarks.png'));
console.log(`\n${textTable(tableRows(results))}\n`);
console.log(`AP: ${results.info.evaluation}. Wrote docs/benchmarks.md and docs/benchmarks.svg (preview: ${relative(repo, join(cacheDir, 'benchmarks.png'))}).`);
