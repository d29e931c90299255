// What the harness page (harness.html) puts on window.
interface Window {
  rfw: typeof import('../../src/index.ts');
  /** The WASM-only entry point, `retinaface-web/wasm`. */
  rfwWasm: typeof import('../../src/wasm.ts');
  harnessReady?: boolean;
  /** Set by the consumer fixture app. */
  result?: { faces: import('../../src/index.ts').Face[]; backend: string; numThreads: number; crossOriginIsolated: boolean } | { error: string };
}
