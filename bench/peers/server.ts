// Builds the benchmark's pages with Vite (production bundles, as users ship them) and serves them with Vite's
// preview server, cross-origin isolated (COOP + COEP require-corp on every response, frames included), plus the
// peers' own files (models, wasm) from node_modules and ../shared, all from this machine. Every response's bytes
// are counted by kind, so start-up can say what a detector fetched.
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { build, preview, type InlineConfig, type Plugin } from 'vite';

export const repo = resolve(import.meta.dirname, '../..');
export const cacheDir = join(repo, '.cache/bench-peers');

/** URL prefix → folder, for the files the peers fetch by URL at run time. */
const MOUNTS: [string, string][] = [
  ['/vendor/tfjs-backend-wasm/', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'],
  ['/vendor/human-models/', 'node_modules/@vladmandic/human/models/'],
  ['/vendor/face-api-models/', 'node_modules/@vladmandic/face-api/model/'],
  ['/vendor/mediapipe-face-detection/', 'node_modules/@mediapipe/face_detection/'],
  ['/vendor/mediapipe-tasks/', 'node_modules/@mediapipe/tasks-vision/'],
  ['/shared/', '../shared/'],
  ['/frames/', '.cache/bench-peers/frames/'],
];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.html': 'text/html',
};

export type ByteKind = 'model' | 'wasm' | 'js' | 'other' | 'input';
export type ByteCount = Record<ByteKind, number>;

/** What a response is: the test images are the benchmark's input, not something a detector costs. */
export function byteKind(path: string): ByteKind {
  if (path.startsWith('/shared/testdata/') || path.startsWith('/frames/')) return 'input';
  const ext = extname(path).toLowerCase();
  if (['.onnx', '.bin', '.tflite', '.binarypb', '.data', '.task'].includes(ext)) return 'model';
  if (ext === '.json' && path.startsWith('/vendor/')) return 'model'; // tfjs model topology + weight manifest
  if (ext === '.wasm') return 'wasm';
  if (ext === '.js' || ext === '.mjs') return 'js';
  return 'other';
}

const zero = (): ByteCount => ({ model: 0, wasm: 0, js: 0, other: 0, input: 0 });

export interface BenchServer {
  url: string;
  /** Bytes sent since the last reset, by kind. */
  bytes(): ByteCount;
  resetBytes(): void;
  close(): Promise<void>;
}

function serveMounted(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const mount = MOUNTS.find(([prefix]) => path.startsWith(prefix));
  if (!mount) return next();
  const root = resolve(repo, mount[1]);
  const file = normalize(join(root, path.slice(mount[0].length)));
  const size = file.startsWith(root) ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!size?.isFile()) {
    res.statusCode = 404;
    res.end('not found');
    return;
  }
  res.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', size.size);
  createReadStream(file).pipe(res);
}

function countingPlugin(counts: { current: ByteCount }): Plugin {
  return {
    name: 'bench-peers-server',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        // Uncompressed, so that every file counts at its own size (Vite's preview would gzip only what it serves).
        delete req.headers['accept-encoding'];
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        res.setHeader('Cache-Control', 'no-store');
        let sent = 0;
        const write = res.write.bind(res) as (...a: unknown[]) => boolean;
        const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
        const size = (chunk: unknown) => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.length : 0);
        res.write = ((chunk: unknown, ...rest: unknown[]) => ((sent += size(chunk)), write(chunk, ...rest))) as typeof res.write;
        res.end = ((chunk?: unknown, ...rest: unknown[]) => {
          if (chunk && typeof chunk !== 'function') sent += size(chunk);
          return end(chunk, ...rest);
        }) as typeof res.end;
        res.on('finish', () => (counts.current[byteKind(path)] += sent));
        serveMounted(req, res, next);
      });
    },
  };
}

const siteDir = join(cacheDir, 'site');

/** Bundles the harness pages into `.cache/bench-peers/site` (models from `public/` are copied with them). */
export async function buildSite(): Promise<void> {
  await build({
    ...baseConfig(),
    build: {
      outDir: siteDir,
      emptyOutDir: true,
      reportCompressedSize: false,
      // No minification pass: every peer ships pre-minified code, and re-minifying Human's and face-api's bundles
      // breaks tfjs's wasm thread workers (built from function source: "e is not defined"). Only this project's
      // own few kB of source stay unminified, which counts against it.
      minify: false,
      chunkSizeWarningLimit: 100_000,
      rollupOptions: { input: { index: join(repo, 'bench/peers/index.html'), frame: join(repo, 'bench/peers/frame.html') } },
    },
  });
}

const baseConfig = (): InlineConfig => ({ configFile: false, root: repo, logLevel: 'warn', worker: { format: 'es' } });

export async function startServer(port: number): Promise<BenchServer> {
  const counts = { current: zero() };
  const server = await preview({
    ...baseConfig(),
    plugins: [countingPlugin(counts)],
    build: { outDir: siteDir },
    preview: { port, strictPort: true, host: '127.0.0.1' },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => ({ ...counts.current }),
    resetBytes: () => void (counts.current = zero()),
    close: () => server.close(),
  };
}
