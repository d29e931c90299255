// retinaface-web: RetinaFace face detection in the browser.
export { createFaceDetector, FaceDetector } from './detector/face-detector.ts';
export type { DetectOverrides, DetectionResult, DetectionTimings, FaceDetectorOptions, ModelInfo } from './detector/face-detector.ts';
export type { VideoWatcher, WatchOptions } from './video/video-loop.ts';
export type { ImageSource } from './capture/image-source.ts';
export type { ModelSource } from './loading/model-loader.ts';
export { MODEL_CACHE_NAME } from './loading/model-loader.ts';
export type { Backend, BackendChange, BackendRequest } from './worker/protocol.ts';
export {
  BackendError,
  DisposedError,
  FaceDetectorError,
  InvalidInputError,
  ModelLoadError,
  UnsupportedModelError,
} from './core/index.ts';
export { MODEL_CATALOG, DEFAULT_MODEL_ID } from './models/catalog.ts';
export type { CatalogModel } from './models/catalog.ts';
export type {
  Box,
  DescriptorOverrides,
  Face,
  FaceDetectorErrorCode,
  InputSizeRequest,
  ModelDescriptor,
  ModelFamily,
  Point,
  Size,
} from './core/index.ts';
export { drawFaces, DEFAULT_FACE_DRAW_STYLE } from './draw/draw-faces.ts';
export type { FaceDrawStyle } from './draw/draw-faces.ts';
