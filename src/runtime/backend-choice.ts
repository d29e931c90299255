import { BackendError } from '../core/errors.ts';
import type { BackendChoice, BackendRequest } from '../worker/protocol.ts';

export interface WebGpuChoice extends BackendChoice {
  /** The adapter to create the device on, when the choice is WebGPU. */
  adapter?: GPUAdapter;
}

/**
 * The one place that maps capabilities to a backend. `auto` takes WebGPU only on a hardware adapter: a fallback
 * (software) adapter such as SwiftShader is ~100x slower than WASM. `webgpu` forces it on any adapter and fails
 * with `BackendError` when there is none; `wasm` always works.
 */
export async function chooseBackend(request: BackendRequest): Promise<WebGpuChoice> {
  if (request === 'wasm') return { backend: 'wasm', reason: 'requested' };
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const noGpu = (reason: string): WebGpuChoice => {
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
