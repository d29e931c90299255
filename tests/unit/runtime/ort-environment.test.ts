import { describe, expect, it } from 'vitest';
import { chooseThreads, configureOrt } from '../../../src/runtime/ort-environment.ts';
import { ort } from '../../support/engine.ts';

describe('the thread policy', () => {
  it('defaults to all cores up to 4 when threads are possible', () => {
    expect(chooseThreads(undefined, { isolated: true, cores: 2 })).toEqual({ numThreads: 2 });
    expect(chooseThreads(undefined, { isolated: true, cores: 16 })).toEqual({ numThreads: 4 });
  });

  it('takes what is asked up to the core count, and says when it lowers it', () => {
    expect(chooseThreads(3, { isolated: true, cores: 8 })).toEqual({ numThreads: 3 });
    expect(chooseThreads(16, { isolated: true, cores: 2 })).toEqual({ numThreads: 2, note: "2 WASM threads (numThreads 16 lowered to the machine's 2 cores)" });
  });

  it('runs 1 thread without cross-origin isolation, and says so when more were asked for', () => {
    expect(chooseThreads(undefined, { isolated: false, cores: 8 })).toEqual({ numThreads: 1 });
    expect(chooseThreads(4, { isolated: false, cores: 8 })).toEqual({ numThreads: 1, note: '1 WASM thread (the page is not cross-origin isolated)' });
  });

  it('configureOrt sets onnxruntime environment: threads, no proxy, wasm paths only when given', () => {
    const before = ort.env.wasm.wasmPaths;
    configureOrt(ort, { numThreads: 1 });
    expect([ort.env.wasm.numThreads, ort.env.wasm.proxy, ort.env.wasm.wasmPaths]).toEqual([1, false, before]);
  });
});
