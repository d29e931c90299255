import { defineConfig } from 'vite';
import { crossOriginIsolation } from './src/vite/cross-origin-isolation.ts';

export default defineConfig({
  // Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer), and ES module workers keep
  // onnxruntime in a chunk of its own for its thread workers: the plugin the package exports as `retinaface-web/vite`.
  plugins: [crossOriginIsolation()],
  // lan.test: the browser tests open the page from a non-localhost name to get an insecure context.
  server: { allowedHosts: ['lan.test'] },
  // Pre-bundling onnxruntime-web makes the dev server reload the page on first visit.
  // comlink is listed so that discovering it later does not reload the page either.
  // The consumer fixture is a separate app (it imports the packed package), not one of this app's pages.
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    include: ['comlink'],
    entries: ['**/*.html', '!tests/fixtures/**', '!node_modules/**', '!dist/**'],
  },
});
