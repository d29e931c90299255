#!/usr/bin/env node
// npm run build:lib — the package's dist/: ES modules for bundlers, the worker as its own module, the Node CLI,
// the Vite plugin (retinaface-web/vite) and type declarations. onnxruntime-web, protobufjs, comlink and sharp
// stay imports (dependencies), so the app's bundler resolves onnxruntime-web and emits its wasm files; the
// worker and the default model are referenced with `new URL(…, import.meta.url)`, which Vite, webpack 5 and
// Rollup all follow and emit.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'rolldown';

const external = [/^onnxruntime-web($|\/)/, /^protobufjs($|\/)/, 'comlink', 'sharp', /^node:/];

// `new URL('<relative>', import.meta.url)` names the worker and the default model from the source file's folder;
// in dist everything is bundled into files at dist/, so each such path is re-pointed from there (the worker's
// source becomes its built file).
const BUILT = {
  'src/worker/detector.worker.ts': 'dist/detector.worker.js',
  'src/worker/detector-wasm.worker.ts': 'dist/detector-wasm.worker.js',
};
const assetUrlsInDist = {
  name: 'asset-urls-in-dist',
  transform(code, id) {
    const from = relative(process.cwd(), dirname(id));
    return code.replace(/new URL\((['"])(\.{1,2}\/[^'"]+)\1, import\.meta\.url\)/g, (_, quote, path) => {
      const target = join(from, path);
      const inDist = relative('dist', BUILT[target] ?? target);
      return `new URL(${quote}${inDist.startsWith('.') ? inDist : `./${inDist}`}${quote}, import.meta.url)`;
    });
  },
};

rmSync('dist', { recursive: true, force: true });
const common = { external, logLevel: 'warn' };
// The two entry points share their code in chunks beside them (at dist/, where the re-pointed URLs hold).
await build({
  ...common,
  input: { index: 'src/index.ts', wasm: 'src/wasm.ts' },
  plugins: [assetUrlsInDist],
  platform: 'browser',
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'shared-[hash].js' },
});
for (const [source, built] of Object.entries(BUILT)) {
  await build({ ...common, input: source, platform: 'browser', output: { file: built, format: 'es' } });
}
await build({ ...common, input: 'src/node/cli.ts', platform: 'node', output: { file: 'dist/node/cli.js', format: 'es' } });
await build({ ...common, input: 'src/vite/cross-origin-isolation.ts', platform: 'node', output: { file: 'dist/vite.js', format: 'es' } });
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
// Declarations keep the sources' `.ts` specifiers; point them at the emitted `.js`/`.d.ts` pair instead.
for (const entry of readdirSync('dist/types', { recursive: true })) {
  const file = join('dist/types', String(entry));
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2').replace(/(import\(['"]\.{1,2}\/[^'"]+)\.ts(['"]\))/g, '$1.js$2'));
}
// On stderr: `npm pack --json` runs this (prepack) and keeps its stdout for the JSON.
console.error('build:lib: dist/index.js, dist/wasm.js, their workers, dist/node/cli.js, dist/vite.js, dist/types/');
