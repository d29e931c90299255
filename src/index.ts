// retinaface-web: RetinaFace face detection in the browser.
export { createFaceDetector, FaceDetector } from './face-detector.ts';
export type { DetectOverrides, DetectionResult, DetectionTimings, FaceDetectorOptions, ModelInfo } from './face-detector.ts';
export type { VideoWatcher, WatchOptions } from './video-loop.ts';
export type { ImageSource } from './image-source.ts';
export type { ModelSource } from './model-source.ts';
export { MODEL_CACHE_NAME } from './model-source.ts';
export type { Backend, BackendChange, BackendRequest } from '../workers/protocol.ts';
export {
  BackendError,
  DisposedError,
  FaceDetectorError,
  InvalidInputError,
  ModelLoadError,
  UnsupportedModelError,
  MODEL_CATALOG,
  DEFAULT_MODEL_ID,
} from './core/index.ts';
export type {
  Box,
  CatalogModel,
  DescriptorOverrides,
  Face,
  FaceDetectorErrorCode,
  InputSizeRequest,
  ModelDescriptor,
  ModelFamily,
  Point,
  Size,
} from './core/index.ts';
export { drawFaces, DEFAULT_FACE_DRAW_STYLE } from './draw-faces.ts';
export type { FaceDrawStyle } from './draw-faces.ts';
