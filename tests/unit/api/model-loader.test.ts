// Getting model bytes: given bytes, cache hits, poisoned cache entries, integrity (with and without crypto.subtle).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelLoadError } from '../../../src/core/index.ts';
import type { ModelCache } from '../../../src/loading/model-cache.ts';
import { loadModelBytes, modelUrl } from '../../../src/loading/model-loader.ts';
import { sha256, toHex } from '../../../src/loading/sha256.ts';
import { MODELS } from '../../support/paths.ts';
import { TestServer, chunked } from '../../support/http-server.ts';

const model = new Uint8Array(readFileSync(MODELS.insightface));
const digest = new Uint8Array(createHash('sha256').update(model).digest());
const server = new TestServer();

/** Cache Storage's behaviour, in memory (Node has no Cache Storage; the browser tests use the real one). */
class MemoryCache implements ModelCache {
  readonly entries = new Map<string, ArrayBuffer>();
  async match(url: string) {
    const e = this.entries.get(url);
    return e ? e.slice(0) : undefined;
  }
  async put(url: string, bytes: ArrayBuffer) {
    this.entries.set(url, bytes);
  }
  async delete(url: string) {
    this.entries.delete(url);
  }
}

beforeAll(async () => {
  await server.route('/m.onnx', chunked(model, 3, 1)).start();
});
afterAll(() => server.stop());

const base = { timeoutMs: 10_000 };

describe('loadModelBytes', () => {
  it('downloads, caches, and the next load reads the cache without a request', async () => {
    const cache = new MemoryCache();
    const url = server.url('/m.onnx');
    const before = server.count('/m.onnx');
    const first = await loadModelBytes(url.href, undefined, { ...base, cache });
    expect(new Uint8Array(first.bytes)).toEqual(model);
    expect(first.cachedAs).toBeUndefined();
    const second = await loadModelBytes(url.href, undefined, { ...base, cache });
    expect(second.cachedAs).toBe(url.href);
    expect(new Uint8Array(second.bytes)).toEqual(model);
    expect(server.count('/m.onnx')).toBe(before + 1);
  });

  it('a cached copy that is not a model (an HTML page) is dropped and downloaded again', async () => {
    const cache = new MemoryCache();
    const url = server.url('/m.onnx').href;
    await cache.put(url, new TextEncoder().encode('<!doctype html><title>oops</title>').buffer);
    const before = server.count('/m.onnx');
    const r = await loadModelBytes(url, undefined, { ...base, cache });
    expect(new Uint8Array(r.bytes)).toEqual(model);
    expect(r.cachedAs).toBeUndefined();
    expect(server.count('/m.onnx')).toBe(before + 1);
    expect(new Uint8Array(cache.entries.get(url)!)).toEqual(model);
  });

  it('a cached copy that fails the integrity check is dropped and downloaded again', async () => {
    const cache = new MemoryCache();
    const url = server.url('/m.onnx').href;
    const other = model.slice();
    other[1000] ^= 1;
    await cache.put(url, other.buffer);
    const r = await loadModelBytes(url, undefined, { ...base, cache, integrity: digest });
    expect(new Uint8Array(r.bytes)).toEqual(model);
  });

  it('integrity: the right hash passes, a wrong one is a ModelLoadError giving both hashes', async () => {
    await expect(loadModelBytes(model, undefined, { ...base, cache: null, integrity: digest })).resolves.toBeDefined();
    const wrong = new Uint8Array(32);
    const error = await loadModelBytes(model, undefined, { ...base, cache: null, integrity: wrong }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toContain(`expected ${'00'.repeat(32)}, got ${toHex(digest)}`);
  });

  it('given bytes are copied: the caller keeps its own', async () => {
    const mine = model.slice();
    const r = await loadModelBytes(mine, undefined, { ...base, cache: null });
    expect(r.bytes).not.toBe(mine.buffer);
    expect(r.source).toBe('(bytes)');
    expect(new Uint8Array(r.bytes)).toEqual(mine);
  });

  it('known ids resolve against the base; the default without a base is the package copy', () => {
    const base = new URL('http://example.test/m/');
    expect(modelUrl('retinaface-mnet025-biubug6', base)!.href).toBe('http://example.test/m/retinaface-mnet025-biubug6.onnx');
    expect(modelUrl(undefined, base)!.href).toBe('http://example.test/m/retinaface-mnet025.onnx');
    expect(modelUrl(undefined, undefined)!.pathname).toMatch(/public\/models\/retinaface-mnet025\.onnx$/);
    expect(modelUrl(new Uint8Array(1), base)).toBeNull();
  });
});

describe('sha256', () => {
  it('uses crypto.subtle where there is one, and JavaScript where there is none (a plain-http page): same digest', async () => {
    expect(await sha256(model)).toEqual(digest);
    vi.stubGlobal('crypto', {});
    try {
      expect(globalThis.crypto.subtle).toBeUndefined();
      expect(await sha256(model)).toEqual(digest);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
