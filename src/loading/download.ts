import { ModelLoadError } from '../core/index.ts';

export interface DownloadOptions {
  /** Fail when no byte (nor the response headers) arrives for this long, ms. */
  timeoutMs: number;
  /** Cancels this caller's wait; the transfer itself stops when no caller waits any more. */
  signal?: AbortSignal;
  /** Bytes received so far and the total (0 when the server sends no usable length); never above the total. */
  onProgress?: (loaded: number, total: number) => void;
}

interface Waiter {
  progress(loaded: number, total: number): void;
}

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('The load was aborted.', 'AbortError');

/**
 * One HTTP download that several loads of the same URL share: they wait on the same bytes (each gets its own
 * copy, because loads hand theirs over to a worker), each with its own progress, stall timeout and cancel.
 */
class SharedDownload {
  private readonly waiters = new Set<Waiter>();
  private readonly controller = new AbortController();
  private loaded = 0;
  private total = 0;
  readonly bytes: Promise<Uint8Array>;

  constructor(
    readonly url: URL,
    private readonly onSettled: () => void,
  ) {
    this.bytes = this.run().finally(onSettled);
    this.bytes.catch(() => undefined);
  }

  private emit(): void {
    for (const w of this.waiters) w.progress(this.loaded, this.total);
  }

  private async run(): Promise<Uint8Array> {
    const source = this.url.href;
    let response: Response;
    try {
      response = await fetch(this.url, { signal: this.controller.signal });
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
    // Content-Length counts the encoded bytes of a compressed response, not what the body yields.
    const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
    const length = Number(response.headers.get('content-length') ?? 0);
    this.total = encoded || !(length > 0) ? 0 : length;
    this.emit();
    if (!response.body) return new Uint8Array(await response.arrayBuffer());

    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (cause) {
        throw new ModelLoadError(`The download of the model ${source} broke off after ${this.loaded} bytes: ${String(cause)}.`, { cause });
      }
      if (step.done) break;
      chunks.push(step.value);
      this.loaded += step.value.length;
      if (this.total > 0 && this.loaded > this.total) this.total = 0; // the length was wrong: say "unknown"
      this.emit();
    }
    if (this.total > 0 && this.loaded !== this.total) {
      throw new ModelLoadError(`The model ${source} is truncated: received ${this.loaded} of ${this.total} bytes.`);
    }
    const bytes = new Uint8Array(this.loaded);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
    return bytes;
  }

  /** Waits for the bytes (a copy of its own), failing on its own stall timeout or cancel. */
  wait(options: DownloadOptions): Promise<Uint8Array> {
    const { timeoutMs, signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Uint8Array>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        if (timer !== undefined) clearTimeout(timer);
        if (timeoutMs !== Infinity) {
          timer = setTimeout(
            () => leave(new ModelLoadError(`The download of the model ${this.url.href} stalled: no data for ${timeoutMs / 1000} s (after ${this.loaded} bytes). Check the connection or raise timeoutMs.`)),
            timeoutMs,
          );
        }
      };
      const waiter: Waiter = {
        progress: (loaded, total) => {
          arm();
          onProgress?.(loaded, total);
        },
      };
      const onAbort = () => leave(abortReason(signal!));
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const leave = (reason: unknown) => {
        cleanup();
        if (this.waiters.size === 0) {
          this.onSettled(); // a later load of this URL starts afresh rather than joining a cancelled one
          this.controller.abort(reason);
        }
        reject(reason);
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      if (this.loaded > 0 || this.total > 0) onProgress?.(this.loaded, this.total);
      this.bytes.then(
        (bytes) => {
          if (!this.waiters.has(waiter)) return;
          cleanup();
          resolve(bytes.slice());
        },
        (error) => {
          if (!this.waiters.has(waiter)) return;
          cleanup();
          reject(error);
        },
      );
    });
  }
}

const inFlight = new Map<string, SharedDownload>();

/**
 * Downloads a model. Loads of the same URL at the same time share one request. Rejects with `ModelLoadError`
 * (HTTP error, HTML instead of a model, truncated, broken off, stalled) or with the signal's reason.
 */
export function download(url: URL, options: DownloadOptions): Promise<Uint8Array> {
  let shared = inFlight.get(url.href);
  if (!shared) {
    const created: SharedDownload = new SharedDownload(url, () => {
      if (inFlight.get(url.href) === created) inFlight.delete(url.href);
    });
    inFlight.set(url.href, created);
    shared = created;
  }
  return shared.wait(options);
}
