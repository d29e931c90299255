// The one place that maps what the machine has to a backend, with the machine's WebGPU stood in for.
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/core/index.ts';
import { chooseBackend, type GpuLike } from '../../../src/runtime/backend-choice.ts';

const adapter = (isFallbackAdapter: boolean) => ({ info: { vendor: isFallbackAdapter ? 'google' : 'nvidia', architecture: isFallbackAdapter ? 'swiftshader' : 'ampere', isFallbackAdapter } }) as unknown as GPUAdapter;
const gpu = (a: GPUAdapter | null | Error): GpuLike => ({
  requestAdapter: async () => {
    if (a instanceof Error) throw a;
    return a;
  },
});

describe('chooseBackend', () => {
  it("'wasm' is always WASM, without asking for an adapter", async () => {
    expect(await chooseBackend('wasm', { requestAdapter: () => Promise.reject(new Error('asked')) })).toEqual({ backend: 'wasm', reason: 'requested' });
  });

  it("'auto' takes a hardware adapter", async () => {
    const r = await chooseBackend('auto', gpu(adapter(false)));
    expect(r.backend).toBe('webgpu');
    expect(r.reason).toBe('WebGPU adapter nvidia ampere');
    expect(r.adapter).toBeDefined();
  });

  it("'auto' on a software adapter, on none, without navigator.gpu, or when asking fails: WASM, and why", async () => {
    expect(await chooseBackend('auto', gpu(adapter(true)))).toEqual({ backend: 'wasm', reason: 'software WebGPU adapter only (google swiftshader); WASM is faster' });
    expect(await chooseBackend('auto', gpu(null))).toEqual({ backend: 'wasm', reason: 'no WebGPU adapter is available' });
    expect(await chooseBackend('auto', undefined)).toEqual({ backend: 'wasm', reason: 'this browser exposes no WebGPU (navigator.gpu is missing)' });
    expect((await chooseBackend('auto', gpu(new Error('blocked')))).reason).toMatch(/requesting a WebGPU adapter failed \(Error: blocked\)/);
  });

  it("'webgpu' takes any adapter, software too, and fails with BackendError when there is none", async () => {
    const soft = await chooseBackend('webgpu', gpu(adapter(true)));
    expect(soft).toMatchObject({ backend: 'webgpu', reason: 'requested (google swiftshader, software adapter)' });
    for (const g of [gpu(null), undefined, gpu(new Error('x'))]) {
      const error = await chooseBackend('webgpu', g).catch((e) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect(error.message).toMatch(/^WebGPU was requested but .*Use backend 'auto' or 'wasm'\.$/);
    }
  });
});
