import { ModelLoadError } from '../core/index.ts';
import { DEFAULT_MODEL_ID, findCatalogModel } from '../models/catalog.ts';
import { checkModelBytes } from '../models/model-bytes.ts';
import type { ModelSource } from '../options/face-detector-options.ts';
import { bundledDefaultModelUrl } from './bundled-model.ts';
import { download } from './download.ts';
import type { ModelCache } from './model-cache.ts';
import { sha256, toHex } from './sha256.ts';

export interface ModelFetchOptions {
  /** Where the bytes are kept between page loads; null: no cache. */
  cache: ModelCache | null;
  /** The expected sha256 digest; a mismatch is a `ModelLoadError`. */
  integrity?: Uint8Array;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Download progress (not called for a cached copy: the caller reports that once the model has loaded). */
  onProgress?: (loaded: number, total: number) => void;
}

export interface LoadedBytes {
  bytes: ArrayBuffer;
  /** Names the model in messages: its URL, or "(bytes)". */
  source: string;
  /** The cache entry the bytes came from, so that a copy that fails to load can be dropped. */
  cachedAs?: string;
}

/** The URL a model comes from, or null for bytes: the package's own copy of the default model unless a base is set. */
export function modelUrl(model: ModelSource | undefined, base: URL | undefined): URL | null {
  if (model instanceof ArrayBuffer || model instanceof Uint8Array) return null;
  if (model === undefined && !base) return bundledDefaultModelUrl();
  const known = typeof (model ?? DEFAULT_MODEL_ID) === 'string' ? findCatalogModel(String(model ?? DEFAULT_MODEL_ID)) : undefined;
  const pageUrl = globalThis.document?.baseURI ?? globalThis.location?.href;
  return known ? new URL(known.file, base ?? new URL('models/', pageUrl)) : new URL(model as string | URL, pageUrl);
}

async function checkIntegrity(bytes: Uint8Array, expected: Uint8Array, source: string): Promise<void> {
  const actual = await sha256(bytes);
  if (toHex(actual) !== toHex(expected)) {
    throw new ModelLoadError(
      `The model ${source} does not match its expected sha256 (expected ${toHex(expected)}, got ${toHex(actual)}). ` +
        'The file may be corrupt, truncated or a different version.',
    );
  }
}

async function checked(bytes: Uint8Array, source: string, integrity: Uint8Array | undefined): Promise<void> {
  checkModelBytes(bytes, source);
  if (integrity) await checkIntegrity(bytes, integrity, source);
}

/**
 * Gets the model bytes: given bytes (copied: the caller keeps its own), a cached copy, or a download (then
 * cached). A cached copy that fails the byte checks or the integrity check is dropped and downloaded again.
 */
export async function loadModelBytes(model: ModelSource | undefined, base: URL | undefined, options: ModelFetchOptions): Promise<LoadedBytes> {
  const url = modelUrl(model, base);
  if (!url) {
    const given = model as ArrayBuffer | Uint8Array;
    const bytes = given instanceof ArrayBuffer ? new Uint8Array(given.slice(0)) : given.slice();
    await checked(bytes, '(bytes)', options.integrity);
    return { bytes: bytes.buffer, source: '(bytes)' };
  }
  const source = url.href;
  const { cache } = options;
  const cached = await cache?.match(source);
  if (cached) {
    try {
      await checked(new Uint8Array(cached), source, options.integrity);
      return { bytes: cached, source, cachedAs: source };
    } catch {
      await cache!.delete(source);
    }
  }
  const bytes = await download(url, options);
  await checked(bytes, source, options.integrity);
  if (cache) await cache.put(source, bytes.slice().buffer);
  return { bytes: bytes.buffer as ArrayBuffer, source };
}
