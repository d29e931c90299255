// `import { crossOriginIsolation } from 'retinaface-web/vite'`: a Vite plugin for apps that use the detector.
// It imports nothing (not even Vite's types), so that it costs an app nothing that does not use it.

/** The response headers that make a page cross-origin isolated (`self.crossOriginIsolated === true`). */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});

/** What `crossOriginIsolation()` returns: a Vite plugin (assignable to Vite's `Plugin`). */
export interface CrossOriginIsolationPlugin {
  name: string;
  config(): {
    server: { headers: Record<string, string> };
    preview: { headers: Record<string, string> };
    worker: { format: 'es' };
  };
}

/**
 * A Vite plugin for multi-threaded WASM: it sends COOP `same-origin` and COEP `require-corp` from the dev server
 * (`vite`) and the preview server (`vite preview`), and builds workers as ES modules. Cross-origin isolation
 * lets onnxruntime-web run WASM on several threads (SharedArrayBuffer); without it, it runs on one. Its thread
 * workers load onnxruntime's own module again, which must then be a chunk of its own: Vite's default worker
 * format ('iife') inlines it into the detector's worker, and a built app would hang at load.
 *
 * Production hosting needs the same two headers, set in the host's own configuration. Under COEP
 * `require-corp`, resources from other origins load only if they allow it (a `Cross-Origin-Resource-Policy`
 * header, or CORS).
 *
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { crossOriginIsolation } from 'retinaface-web/vite';
 * export default defineConfig({ plugins: [crossOriginIsolation()] });
 * ```
 */
export function crossOriginIsolation(): CrossOriginIsolationPlugin {
  return {
    name: 'retinaface-web:cross-origin-isolation',
    config: () => ({
      server: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
      preview: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
      worker: { format: 'es' },
    }),
  };
}
