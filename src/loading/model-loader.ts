import { ModelLoadError } from '../core/index.ts';
import { findCatalogModel } from '../models/catalog.ts';
import { checkModelBytes } from '../models/model-bytes.ts';

/** A model: the id of a known model, a URL, or the bytes themselves. */
export type ModelSource = string | URL | ArrayBuffer | Uint8Array;

export interface ModelFetchOptions {
  /** Called as the download progresses; `total` is 0 when the server sends no length. */
  onProgress?: (loaded: number, total: number) => void;
  /** Keep downloaded models in Cache Storage, so later page loads do not download them again. */
  cache: boolean;
  /** Expected sha256 (64 hex digits or `sha256-<base64>`); a mismatch is a `ModelLoadError`. */
  integrity?: string;
  /** Where known model ids are fetched from (`<base><file>`). */
  modelBaseUrl: string | URL;
  signal?: AbortSignal;
}

export interface LoadedBytes {
  bytes: ArrayBuffer;
  /** Names the model in messages: its URL, or "(bytes)". */
  source: string;
  fromCache: boolean;
}

export const MODEL_CACHE_NAME = 'retinaface-web-models';

/** The URL of a model id or URL string, or null when the source is bytes. */
export function resolveModelUrl(model: ModelSource, base: string | URL): URL | null {
  if (model instanceof ArrayBuffer || model instanceof Uint8Array) return null;
  const known = typeof model === 'string' ? findCatalogModel(model) : undefined;
  return new URL(known ? known.file : model, known ? base : globalThis.location?.href);
}

function parseIntegrity(integrity: string): Uint8Array {
  const hex = /^[0-9a-f]{64}$/i.exec(integrity);
  if (hex) return Uint8Array.from(integrity.match(/../g)!.map((b) => parseInt(b, 16)));
  const sri = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(integrity);
  if (sri) return Uint8Array.from(atob(sri[1]), (c) => c.charCodeAt(0));
  throw new ModelLoadError(`integrity must be a sha256 as 64 hex digits or "sha256-<base64>"; got "${integrity}".`);
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

async function checkIntegrity(bytes: ArrayBuffer, integrity: string, source: string): Promise<void> {
  const expected = parseIntegrity(integrity);
  const actual = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  if (hex(actual) !== hex(expected)) {
    throw new ModelLoadError(
      `The model ${source} does not match its expected sha256 (expected ${hex(expected)}, got ${hex(actual)}). ` +
        'The file may be corrupt, truncated or a different version.',
    );
  }
}

async function openCache(): Promise<Cache | null> {
  try {
    return 'caches' in globalThis ? await caches.open(MODEL_CACHE_NAME) : null;
  } catch {
    return null; // e.g. an insecure context or storage disabled: just download
  }
}

async function download(url: URL, options: ModelFetchOptions): Promise<ArrayBuffer> {
  const source = url.href;
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal });
  } catch (cause) {
    throw new ModelLoadError(`Could not download the model ${source}: ${String((cause as Error)?.message ?? cause)}.`, { cause });
  }
  if (!response.ok) {
    throw new ModelLoadError(
      `Could not download the model ${source}: HTTP ${response.status} ${response.statusText}`.trim() +
        (response.status === 404 ? '. Check the URL, or install the model (README, "Models").' : '.'),
    );
  }
  const type = response.headers.get('content-type') ?? '';
  if (/text\/html|application\/xhtml/i.test(type)) {
    throw new ModelLoadError(
      `The server sent an HTML page (${type}) for the model ${source}, not an ONNX file; often a 404 page or a ` +
        'single-page-app fallback. Check the model URL.',
    );
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  if (!response.body) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  options.onProgress?.(0, total);
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (cause) {
      throw new ModelLoadError(`The download of the model ${source} broke off after ${loaded} bytes: ${String(cause)}.`, { cause });
    }
    if (step.done) break;
    chunks.push(step.value);
    loaded += step.value.length;
    options.onProgress?.(loaded, total);
  }
  // Content-Length counts encoded bytes when the response is compressed; compare only when it is not.
  if (total > 0 && !encoded && loaded !== total) {
    throw new ModelLoadError(`The model ${source} is truncated: received ${loaded} of ${total} bytes.`);
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return bytes.buffer;
}

/**
 * Gets the model bytes: from Cache Storage when cached, else downloaded with progress (and cached). A cached
 * copy that fails the checks is dropped and downloaded again.
 */
export async function loadModelBytes(model: ModelSource, options: ModelFetchOptions): Promise<LoadedBytes> {
  if (model instanceof ArrayBuffer || model instanceof Uint8Array) {
    const bytes = model instanceof ArrayBuffer ? model.slice(0) : model.slice().buffer;
    checkModelBytes(new Uint8Array(bytes), '(bytes)');
    if (options.integrity) await checkIntegrity(bytes, options.integrity, '(bytes)');
    return { bytes, source: '(bytes)', fromCache: false };
  }
  const url = resolveModelUrl(model, options.modelBaseUrl)!;
  const source = url.href;
  const integrity = options.integrity;
  const cache = options.cache ? await openCache() : null;

  const cached = await cache?.match(url.href).catch(() => undefined);
  if (cached) {
    const bytes = await cached.arrayBuffer();
    try {
      checkModelBytes(new Uint8Array(bytes), source);
      if (integrity) await checkIntegrity(bytes, integrity, source);
      options.onProgress?.(bytes.byteLength, bytes.byteLength);
      return { bytes, source, fromCache: true };
    } catch {
      await cache!.delete(url.href); // a bad cached copy: fetch a fresh one
    }
  }

  const bytes = await download(url, options);
  checkModelBytes(new Uint8Array(bytes), source);
  if (integrity) await checkIntegrity(bytes, integrity, source);
  if (cache) {
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
    await cache.put(url.href, new Response(bytes.slice(0), { headers })).catch(() => undefined);
  }
  return { bytes, source, fromCache: false };
}

/** Drops a cached model (e.g. one onnxruntime could not parse), so the next load downloads it again. */
export async function evictCachedModel(source: string): Promise<void> {
  const cache = await openCache();
  await cache?.delete(source).catch(() => undefined);
}
