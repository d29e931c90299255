import { defineConfig } from 'vite';

// Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // lan.test: the browser tests open the page from a non-localhost name to get an insecure context.
  server: { headers: isolationHeaders, allowedHosts: ['lan.test'] },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  // Pre-bundling onnxruntime-web makes the dev server reload the page on first visit.
  // comlink is listed so that discovering it later does not reload the page either.
  // The consumer fixture is a separate app (it imports the packed package), not one of this app's pages.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    include: ['comlink'],
    entries: ['**/*.html', '!tests/fixtures/**', '!node_modules/**', '!dist/**'],
  },
});
