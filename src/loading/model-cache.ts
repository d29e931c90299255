/** Where downloaded models are kept between page loads. */
export interface ModelCache {
  match(url: string): Promise<ArrayBuffer | undefined>;
  put(url: string, bytes: ArrayBuffer): Promise<void>;
  delete(url: string): Promise<void>;
}

export const MODEL_CACHE_NAME = 'retinaface-web-models';

/**
 * Cache Storage, or null where it is unavailable (an insecure context, storage disabled): then models are just
 * downloaded. Failures to read or write the cache never fail a load.
 */
export async function openModelCache(): Promise<ModelCache | null> {
  let cache: Cache;
  try {
    if (!('caches' in globalThis)) return null;
    cache = await caches.open(MODEL_CACHE_NAME);
  } catch {
    return null;
  }
  return {
    async match(url) {
      const response = await cache.match(url).catch(() => undefined);
      return response ? response.arrayBuffer().catch(() => undefined) : undefined;
    },
    async put(url, bytes) {
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
      await cache.put(url, new Response(bytes, { headers })).catch(() => undefined);
    },
    async delete(url) {
      await cache.delete(url).catch(() => undefined);
    },
  };
}
