import { wrap, type Remote } from 'comlink';
import {
  BackendError,
  DisposedError,
  FaceDetectorError,
  InvalidInputError,
  ModelLoadError,
  UnsupportedModelError,
} from '../core/index.ts';
import type { DetectorWorkerApi } from '../worker/protocol.ts';

/** Starts the detector worker (each entry point passes its own, so that bundlers emit only its worker). */
export type WorkerSpawner = () => Worker;

const ERROR_CLASSES: Record<string, new (message: string) => FaceDetectorError> = {
  ModelLoadError,
  UnsupportedModelError,
  InvalidInputError,
  BackendError,
  DisposedError,
};

/** comlink sends thrown errors as plain `Error`s with the original name; restore our typed classes. */
export function reviveError(error: unknown): unknown {
  if (error instanceof FaceDetectorError || !(error instanceof Error)) return error;
  const Class = ERROR_CLASSES[error.name];
  if (!Class) return error;
  const revived = new Class(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}

/**
 * The page's handle on the detector worker. Every call settles: it rejects when the worker dies (a load
 * error, a crash) or is terminated, instead of waiting forever for an answer that will not come. Only the
 * calls still waiting are held, so a long session keeps nothing per finished call.
 */
export class WorkerClient {
  private readonly worker: Worker;
  private readonly api: Remote<DetectorWorkerApi>;
  private readonly waiting = new Set<(error: unknown) => void>();
  private failure: Error | null = null;

  constructor(spawn: WorkerSpawner) {
    this.worker = spawn();
    this.worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(new BackendError(`The detector worker failed: ${event.message || 'it could not start (check that its script and onnxruntime-web are served)'}.`));
    });
    this.worker.addEventListener('messageerror', () => this.fail(new BackendError('The detector worker sent a message that could not be read.')));
    this.api = wrap<DetectorWorkerApi>(this.worker);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
  }

  /** Calls the worker; rejects with a typed error on failure, death or termination. */
  call<T>(invoke: (api: Remote<DetectorWorkerApi>) => Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      invoke(this.api).then(
        (value) => {
          this.waiting.delete(reject);
          resolve(value);
        },
        (error) => {
          this.waiting.delete(reject);
          reject(reviveError(error));
        },
      );
    });
  }

  /** Stops the worker; calls still waiting and later calls reject with `reason`. */
  terminate(reason: Error): void {
    this.fail(reason);
    this.worker.terminate();
  }
}
