import type { OrtModule } from './face-session.ts';

/** What decides the WASM thread count. */
export interface ThreadContext {
  /** Whether SharedArrayBuffer is usable (a cross-origin isolated page, a worker of one, or Node). */
  isolated: boolean;
  /** Logical cores of the machine. */
  cores: number;
}

export interface ThreadChoice {
  numThreads: number;
  /** Why fewer threads than asked for run, when that is so. */
  note?: string;
}

/** The default when nothing is asked for: all cores up to 4 (onnxruntime's kernels gain little beyond). */
export const DEFAULT_THREADS_CAP = 4;

/**
 * The thread policy: `requested` (or min(cores, 4)), lowered to the core count, and 1 without cross-origin
 * isolation (onnxruntime needs SharedArrayBuffer for threads and silently runs one otherwise).
 */
export function chooseThreads(requested: number | undefined, context: ThreadContext): ThreadChoice {
  const cores = Math.max(1, context.cores);
  if (!context.isolated) {
    return requested !== undefined && requested > 1 ? { numThreads: 1, note: '1 WASM thread (the page is not cross-origin isolated)' } : { numThreads: 1 };
  }
  if (requested === undefined) return { numThreads: Math.min(cores, DEFAULT_THREADS_CAP) };
  if (requested > cores) return { numThreads: cores, note: `${cores} WASM threads (numThreads ${requested} lowered to the machine's ${cores} cores)` };
  return { numThreads: requested };
}

export interface OrtEnvironment {
  numThreads: number;
  /** Where onnxruntime-web's `.wasm`/`.mjs` files are served; undefined keeps its bundle's own folder. */
  wasmPaths?: string;
}

/**
 * The one place that sets onnxruntime's global environment. onnxruntime reads it when its WebAssembly starts
 * (the first session), so it must be set before that; later changes have no effect.
 */
export function configureOrt(ort: OrtModule, environment: OrtEnvironment): void {
  ort.env.wasm.numThreads = environment.numThreads;
  // Our own worker already keeps inference off the page's thread.
  ort.env.wasm.proxy = false;
  if (environment.wasmPaths) ort.env.wasm.wasmPaths = environment.wasmPaths;
}
