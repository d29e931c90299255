// The rooms of src/ and who may enter them (README, "How it works"). Every import of every source file is
// checked against this table, and the import graph must have no cycle.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT as projectRoot } from '../support/paths.ts';

/** Room → the rooms and packages its files may import (besides their own room). */
const ALLOWED: Record<string, readonly string[]> = {
  'src/core': [],
  'src/models': ['src/core'],
  'src/options': ['src/core', 'src/models', 'src/tracking'],
  'src/runtime': ['src/core', 'src/models', 'src/options', 'onnxruntime-web'],
  'src/pixels': ['src/core'],
  'src/worker': ['src/core', 'src/options', 'src/pixels', 'src/runtime', 'comlink', 'onnxruntime-web'],
  'src/capture': ['src/core', 'src/options', 'src/pixels', 'src/worker/protocol.ts'],
  'src/loading': ['src/core', 'src/models', 'src/options', '@noble/hashes'],
  'src/client': ['src/core', 'src/worker/protocol.ts', 'comlink'],
  'src/video': ['src/core', 'src/options', 'src/tracking'],
  'src/draw': ['src/core'],
  'src/eval': ['src/core'],
  'src/tracking': ['src/core'],
  'src/detector': ['src/core', 'src/options', 'src/capture', 'src/loading', 'src/client', 'src/video', 'src/worker/protocol.ts', 'comlink'],
  // The public entry points and what they export.
  'src/index.ts': ['src/exports.ts', 'src/client', 'src/detector', 'src/options'],
  'src/wasm.ts': ['src/exports.ts', 'src/client', 'src/detector', 'src/options'],
  'src/exports.ts': ['src/core', 'src/models', 'src/options', 'src/capture', 'src/loading', 'src/detector', 'src/video', 'src/draw', 'src/tracking'],
  'src/demo': ['src/index.ts'],
  'src/convert': ['src/core', 'node:', 'protobufjs'],
  // The Vite plugin (retinaface-web/vite): imports nothing.
  'src/vite': [],
  'src/node': ['src/core', 'src/models', 'src/options', 'src/runtime', 'src/convert', 'src/eval', 'node:', 'onnxruntime-web', 'sharp'],
};

const ROOMS = Object.keys(ALLOWED).sort((a, b) => b.length - a.length);
const roomOf = (file: string): string | undefined => ROOMS.find((r) => file === r || file.startsWith(`${r}/`));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(projectRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name))
    .map((e) => relative(projectRoot, join(e.parentPath, e.name)));
}

/** Every module specifier a file imports or re-exports (type-only ones too), with relative ones resolved. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(projectRoot, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  return specs.map((s) => (s.startsWith('.') ? normalize(join(dirname(file), s)) : s));
}

const files = sourceFiles('src');
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the rooms of src/', () => {
  it('every source file belongs to a room', () => {
    expect(files.filter((f) => !roomOf(f))).toEqual([]);
  });

  it('every import stays in its room or goes to a room it may enter', () => {
    const breaches: string[] = [];
    for (const [file, imports] of graph) {
      const room = roomOf(file)!;
      for (const target of imports) {
        if (target.endsWith('.css')) continue;
        if (roomOf(target) === room) continue;
        const ok = ALLOWED[room].some((a) => target === a || target.startsWith(a.endsWith(':') ? a : `${a}/`));
        if (!ok) breaches.push(`${file} → ${target}`);
      }
    }
    expect(breaches).toEqual([]);
  });

  it('the core imports nothing outside itself, and the demo only the public entry', () => {
    for (const [file, imports] of graph) {
      if (file.startsWith('src/core/')) expect(imports.filter((t) => !t.startsWith('src/core/')), file).toEqual([]);
      if (file.startsWith('src/demo/')) expect(imports.filter((t) => !t.startsWith('src/demo/') && t !== 'src/index.ts'), file).toEqual([]);
    }
  });

  it('no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const t of graph.get(file) ?? []) if (graph.has(t)) visit(t, [...path, file]);
      state.set(file, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
