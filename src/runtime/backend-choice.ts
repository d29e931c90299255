import { BackendError } from '../core/index.ts';
import type { Backend, BackendRequest } from '../options/face-detector-options.ts';

export interface BackendChoice {
  backend: Backend;
  /** Why this backend runs, e.g. "software WebGPU adapter only (google swiftshader); WASM is faster", "requested". */
  reason: string;
  /** The adapter to create the device on, when the choice is WebGPU. */
  adapter?: GPUAdapter;
}

/** What the choice needs of `navigator.gpu` (passed in, so hosts and tests can say what the machine has). */
export type GpuLike = Pick<GPU, 'requestAdapter'>;

const defaultGpu = (): GpuLike | undefined => (globalThis.navigator as Navigator | undefined)?.gpu;

/**
 * The one place that maps capabilities to a backend. `auto` takes WebGPU only on a hardware adapter: a fallback
 * (software) adapter such as SwiftShader is ~100x slower than WASM. `webgpu` forces it on any adapter and fails
 * with `BackendError` when there is none; `wasm` always works.
 */
export async function chooseBackend(request: BackendRequest, gpu: GpuLike | undefined = defaultGpu()): Promise<BackendChoice> {
  if (request === 'wasm') return { backend: 'wasm', reason: 'requested' };
  const noGpu = (reason: string): BackendChoice => {
    if (request === 'webgpu') throw new BackendError(`WebGPU was requested but ${reason}. Use backend 'auto' or 'wasm'.`);
    return { backend: 'wasm', reason };
  };
  if (!gpu) return noGpu('this browser exposes no WebGPU (navigator.gpu is missing)');
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return noGpu(`requesting a WebGPU adapter failed (${String(error)})`);
  }
  if (!adapter) return noGpu('no WebGPU adapter is available');
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  if (info?.isFallbackAdapter && request === 'auto') {
    return { backend: 'wasm', reason: `software WebGPU adapter only (${name}); WASM is faster` };
  }
  return {
    backend: 'webgpu',
    reason: request === 'webgpu' ? `requested (${name}${info?.isFallbackAdapter ? ', software adapter' : ''})` : `WebGPU adapter ${name}`,
    adapter,
  };
}
