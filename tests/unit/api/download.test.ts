// The model download against a real local HTTP server: progress, stalls, cancels, shared requests, bad answers.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/core/index.ts';
import { download } from '../../../src/loading/download.ts';
import { TestServer, chunked, stalling } from '../../support/http-server.ts';

const body = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) & 255);
const server = new TestServer();

beforeAll(async () => {
  await server
    .route('/model.onnx', chunked(body, 5, 10))
    .route('/slow.onnx', chunked(body, 10, 100))
    .route('/gzip.onnx', (_req, res) => {
      const gz = gzipSync(body);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
      res.end(gz);
    })
    .route('/stall.onnx', stalling(body, 50_000))
    .route('/silent.onnx', () => undefined) // never answers at all
    .route('/truncated.onnx', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      res.end(body.subarray(0, 1000));
    })
    .route('/page.onnx', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>'))
    .start();
});
afterAll(() => server.stop());

const options = { timeoutMs: 5000 };

describe('download', () => {
  it('returns the bytes, with progress that rises to the total and never passes it', async () => {
    const seen: [number, number][] = [];
    const bytes = await download(server.url('/model.onnx'), { ...options, onProgress: (l, t) => seen.push([l, t]) });
    expect(bytes).toEqual(body);
    expect(seen.at(-1)).toEqual([body.length, body.length]);
    expect(seen.every(([l, t], i) => t === body.length && l <= t && (i === 0 || l >= seen[i - 1][0]))).toBe(true);
  });

  it('a compressed response has no usable total: progress says 0 (unknown), never above 100 %', async () => {
    const seen: [number, number][] = [];
    const bytes = await download(server.url('/gzip.onnx'), { ...options, onProgress: (l, t) => seen.push([l, t]) });
    expect(bytes).toEqual(body);
    expect(seen.every(([, t]) => t === 0)).toBe(true);
  });

  it('a server that stops sending fails with ModelLoadError after timeoutMs without data, and the request is closed', async () => {
    const t0 = performance.now();
    const error = await download(server.url('/stall.onnx'), { timeoutMs: 300 }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toMatch(/stalled: no data for 0.3 s \(after 50000 bytes\)/);
    expect(performance.now() - t0).toBeLessThan(5000);
    await expect.poll(() => server.aborted.get('/stall.onnx') ?? 0).toBe(1);
  });

  it('a server that never answers fails the same way (the wait for headers is bounded too)', async () => {
    const error = await download(server.url('/silent.onnx'), { timeoutMs: 300 }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toMatch(/stalled/);
  });

  it('a slow but steady download is not a stall: the timeout counts from the last bytes', async () => {
    // 10 chunks 100 ms apart take about a second, longer than the 400 ms timeout.
    const bytes = await download(server.url('/slow.onnx'), { timeoutMs: 400 });
    expect(bytes).toEqual(body);
  });

  it('aborting mid-download rejects with the signal reason and closes the request', async () => {
    const controller = new AbortController();
    const before = server.aborted.get('/slow.onnx') ?? 0;
    const pending = download(server.url('/slow.onnx'), {
      ...options,
      signal: controller.signal,
      onProgress: (loaded) => loaded > 0 && controller.abort(),
    });
    const error = await pending.catch((e) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error.name).toBe('AbortError');
    await expect.poll(() => server.aborted.get('/slow.onnx') ?? 0).toBe(before + 1);
  });

  it('an already aborted signal rejects at once, without a request', async () => {
    const before = server.count('/model.onnx');
    const error = await download(server.url('/model.onnx'), { ...options, signal: AbortSignal.abort() }).catch((e) => e);
    expect(error.name).toBe('AbortError');
    expect(server.count('/model.onnx')).toBe(before);
  });

  it('five loads of one URL at the same time share one request; each gets its own copy', async () => {
    const before = server.count('/slow.onnx');
    const all = await Promise.all(Array.from({ length: 5 }, () => download(server.url('/slow.onnx'), options)));
    expect(server.count('/slow.onnx')).toBe(before + 1);
    for (const bytes of all) expect(bytes).toEqual(body);
    expect(new Set(all.map((b) => b.buffer)).size).toBe(5);
  });

  it('one of two sharing loads cancels: the other still completes; a later load starts afresh', async () => {
    const controller = new AbortController();
    const before = server.count('/slow.onnx');
    const a = download(server.url('/slow.onnx'), { ...options, signal: controller.signal });
    const b = download(server.url('/slow.onnx'), options);
    setTimeout(() => controller.abort(), 150);
    expect((await a.catch((e) => e)).name).toBe('AbortError');
    expect(await b).toEqual(body);
    expect(server.count('/slow.onnx')).toBe(before + 1);
    expect(await download(server.url('/slow.onnx'), options)).toEqual(body);
    expect(server.count('/slow.onnx')).toBe(before + 2);
  });

  it('a truncated body, an HTML page and a 404 are ModelLoadErrors that say so', async () => {
    const [truncated, page, missing] = await Promise.all(
      ['/truncated.onnx', '/page.onnx', '/missing.onnx'].map((p) => download(server.url(p), options).catch((e) => e)),
    );
    for (const e of [truncated, page, missing]) expect(e).toBeInstanceOf(ModelLoadError);
    expect(truncated.message).toMatch(/truncated|broke off/);
    expect(page.message).toMatch(/HTML page/);
    expect(missing.message).toMatch(/HTTP 404.*install the model/);
  });

  it('a closed port is a ModelLoadError naming the URL', async () => {
    const closed = new TestServer();
    await closed.start();
    const url = closed.url('/m.onnx');
    await closed.stop();
    const error = await download(url, options).catch((e) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toContain(url.href);
  });
});
