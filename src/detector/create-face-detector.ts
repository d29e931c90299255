import { transfer } from 'comlink';
import { ModelLoadError, UnsupportedModelError, type Size } from '../core/index.ts';
import { WorkerClient, type WorkerSpawner } from '../client/worker-client.ts';
import { loadModelBytes } from '../loading/model-loader.ts';
import { openModelCache } from '../loading/model-cache.ts';
import type { FaceDetectorOptions } from '../options/face-detector-options.ts';
import { resolveDetectorOptions, type ResolvedDetectorOptions } from '../options/resolve-options.ts';
import { FaceDetector } from './face-detector.ts';

/** Dynamic models warm up at this size unless `inputSize` names one. */
const DEFAULT_WARMUP: Size = { width: 640, height: 480 };

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('The load was aborted.', 'AbortError');

/** Starts a worker and loads the model bytes into it; the worker is terminated if that fails or is cancelled. */
async function startWorker(spawn: WorkerSpawner, bytes: ArrayBuffer, source: string, options: ResolvedDetectorOptions, warmup: Size) {
  const client = new WorkerClient(spawn);
  const { signal } = options;
  const onAbort = () => client.terminate(abortReason(signal!) as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const loaded = await client.call((api) =>
      api.load(
        transfer(
          { model: bytes, source, backend: options.backend, numThreads: options.numThreads, wasmPaths: options.wasmPaths, descriptor: options.descriptor, warmupSize: warmup,
            rgbaInput: options.inGraphPreprocessing,
          },
          [bytes],
        ),
      ),
    );
    return { client, loaded };
  } catch (error) {
    client.terminate(error instanceof Error ? error : new Error(String(error)));
    throw signal?.aborted ? abortReason(signal) : error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Loads a face model into a module worker and returns a ready (warmed-up) detector. Every option is checked
 * before anything is downloaded. Rejects with `InvalidInputError` (a bad option), `ModelLoadError`,
 * `UnsupportedModelError`, `BackendError`, or the reason of `options.signal` when it is aborted.
 * @internal Each entry point passes the worker it ships.
 */
export async function createDetector(options: FaceDetectorOptions | undefined, spawn: WorkerSpawner): Promise<FaceDetector> {
  const resolved = resolveDetectorOptions(options);
  const { signal } = resolved;
  if (signal?.aborted) throw abortReason(signal);
  const warmup = typeof resolved.detect.inputSize === 'object' ? resolved.detect.inputSize : DEFAULT_WARMUP;
  const cache = resolved.cache ? await openModelCache() : null;
  const fetchOptions = { cache, integrity: resolved.integrity, timeoutMs: resolved.timeoutMs, signal, onProgress: resolved.onProgress };

  for (let attempt = 0; ; attempt++) {
    const bytes = await loadModelBytes(resolved.model, resolved.modelBaseUrl, fetchOptions);
    const size = bytes.bytes.byteLength;
    try {
      const { client, loaded } = await startWorker(spawn, bytes.bytes, bytes.source, resolved, warmup);
      if (bytes.cachedAs) resolved.onProgress?.(size, size);
      return new FaceDetector(client, loaded, bytes.source, resolved, warmup);
    } catch (error) {
      // A cached copy that onnxruntime cannot read, or that is not a face model, is dropped and fetched once more.
      const badCopy = error instanceof ModelLoadError || error instanceof UnsupportedModelError;
      if (bytes.cachedAs && badCopy && attempt === 0 && !signal?.aborted) {
        await cache!.delete(bytes.cachedAs);
        continue;
      }
      throw error;
    }
  }
}
