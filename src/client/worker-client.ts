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
 * error, a crash) or is terminated, instead of waiting forever for an answer that will not come.
 */
export class WorkerClient {
  private readonly worker: Worker;
  readonly api: Remote<DetectorWorkerApi>;
  private readonly failed: Promise<never>;
  private fail!: (error: Error) => void;
  private terminated = false;

  constructor() {
    this.worker = new Worker(new URL('../worker/detector.worker.ts', import.meta.url), { type: 'module', name: 'retinaface-web' });
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined);
    this.worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.fail(new BackendError(`The detector worker failed: ${event.message || 'it could not start (check that its script and onnxruntime-web are served)'}.`));
    });
    this.worker.addEventListener('messageerror', () => this.fail(new BackendError('The detector worker sent a message that could not be read.')));
    this.api = wrap<DetectorWorkerApi>(this.worker);
  }

  /** Calls the worker; rejects with a typed error on failure, death or termination. */
  async call<T>(invoke: (api: Remote<DetectorWorkerApi>) => Promise<T>): Promise<T> {
    if (this.terminated) throw new DisposedError('This face detector was disposed; create a new one with createFaceDetector().');
    try {
      return await Promise.race([invoke(this.api), this.failed]);
    } catch (error) {
      throw reviveError(error);
    }
  }

  terminate(reason: Error): void {
    if (this.terminated) return;
    this.terminated = true;
    this.fail(reason);
    this.worker.terminate();
  }
}
