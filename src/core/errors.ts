/**
 * Typed errors shared by every layer. Each message says what happened and what to do about it; `code` is
 * stable for programs (`err.code === 'UNSUPPORTED_MODEL'`), `name` matches the class for logs.
 */
export type FaceDetectorErrorCode =
  | 'MODEL_LOAD'
  | 'UNSUPPORTED_MODEL'
  | 'INVALID_INPUT'
  | 'BACKEND'
  | 'DISPOSED';

export abstract class FaceDetectorError extends Error {
  abstract readonly code: FaceDetectorErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The model could not be fetched, read or parsed (404, HTML instead of a model, truncated or corrupt file). */
export class ModelLoadError extends FaceDetectorError {
  readonly code = 'MODEL_LOAD';
}

/** The model loaded but is not a RetinaFace model of a known family (or an override contradicts it). */
export class UnsupportedModelError extends FaceDetectorError {
  readonly code = 'UNSUPPORTED_MODEL';
}

/** An image or option cannot be processed: empty or unreadable image, size out of range, bad threshold. */
export class InvalidInputError extends FaceDetectorError {
  readonly code = 'INVALID_INPUT';
}

/** The requested execution backend is unavailable or failed (no WebGPU adapter, device lost with no fallback). */
export class BackendError extends FaceDetectorError {
  readonly code = 'BACKEND';
}

/** The detector was disposed; create a new one. */
export class DisposedError extends FaceDetectorError {
  readonly code = 'DISPOSED';
}
