#!/usr/bin/env node
// npm run build:lib — the package's dist/: ES modules for bundlers, the worker as its own module, the Node CLI,
// and type declarations. onnxruntime-web, protobufjs, comlink and sharp stay imports (dependencies), so the
// app's bundler resolves onnxruntime-web and emits its wasm files; the worker and the default model are referenced with
// `new URL(…, import.meta.url)`, which Vite, webpack 5 and Rollup all follow and emit.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';

const external = [/^onnxruntime-web($|\/)/, /^protobufjs($|\/)/, 'comlink', 'sharp', /^node:/];

// In the sources the worker is a sibling folder; in dist it sits next to index.js.
const workerUrlInDist = {
  name: 'worker-url-in-dist',
  transform(code, id) {
    if (!id.endsWith('src/worker-client.ts')) return null;
    const out = code.replace("'../workers/detector.worker.ts'", "'./detector.worker.js'");
    if (out === code) throw new Error('build-lib: the worker URL in src/worker-client.ts was not found');
    return out;
  },
};

rmSync('dist', { recursive: true, force: true });
const common = { external, logLevel: 'warn' };
await build({ ...common, input: 'src/index.ts', plugins: [workerUrlInDist], platform: 'browser', output: { file: 'dist/index.js', format: 'es' } });
await build({ ...common, input: 'workers/detector.worker.ts', platform: 'browser', output: { file: 'dist/detector.worker.js', format: 'es' } });
await build({ ...common, input: 'src/node/cli.ts', platform: 'node', output: { file: 'dist/node/cli.js', format: 'es' } });
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
// Declarations keep the sources' `.ts` specifiers; point them at the emitted `.js`/`.d.ts` pair instead.
for (const entry of readdirSync('dist/types', { recursive: true })) {
  const file = join('dist/types', String(entry));
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2').replace(/(import\(['"]\.{1,2}\/[^'"]+)\.ts(['"]\))/g, '$1.js$2'));
}
console.log('build:lib: dist/index.js, dist/detector.worker.js, dist/node/cli.js, dist/types/');
