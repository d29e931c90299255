// Everything the package exports except `createFaceDetector`, which each entry point binds to its own worker.
export { FaceDetector } from './detector/face-detector.ts';
export type { VideoWatcher } from './video/video-loop.ts';
export type { ImageSource } from './capture/image-source.ts';
export { MODEL_CACHE_NAME } from './loading/model-cache.ts';
export {
  DEFAULT_BACKEND,
  DEFAULT_CACHE,
  DEFAULT_IN_GRAPH_PREPROCESSING,
  DEFAULT_FRAME_PATH,
  DEFAULT_INPUT_SIZE,
  DEFAULT_IOU_THRESHOLD,
  DEFAULT_MAX_FACES,
  DEFAULT_MAX_INPUT_SIZE,
  DEFAULT_MIRROR,
  DEFAULT_SCORE_THRESHOLD,
  DEFAULT_STALL_TIMEOUT_MS,
  MAX_INPUT_SIDE,
  MAX_NUM_THREADS,
  MAX_SOURCE_SIDE,
} from './options/face-detector-options.ts';
export type {
  Backend,
  BackendChange,
  BackendRequest,
  DetectDefaults,
  DetectOverrides,
  DetectionResult,
  DetectionTimings,
  FaceDetectorOptions,
  FramePath,
  LoadTimings,
  ModelInfo,
  ModelSource,
  TrackingOptions,
  VideoFrameInfo,
  WatchOptions,
} from './options/face-detector-options.ts';
export { BackendError, DisposedError, FaceDetectorError, InvalidInputError, ModelLoadError, UnsupportedModelError } from './core/index.ts';
export type { Box, DescriptorOverrides, Face, FaceDetectorErrorCode, InputSizeRequest, ModelDescriptor, ModelFamily, Point, Size } from './core/index.ts';
export { MODEL_CATALOG, DEFAULT_MODEL_ID } from './models/catalog.ts';
export type { CatalogModel } from './models/catalog.ts';
export { DEFAULT_FACE_TRACKER_OPTIONS, DEFAULT_MIN_FACE_SIZE, DEFAULT_ONE_EURO, DEFAULT_TARGET_FPS } from './tracking/index.ts';
export type { OneEuroParams } from './tracking/index.ts';
export { drawFaces, DEFAULT_FACE_DRAW_STYLE } from './draw/draw-faces.ts';
export type { FaceDrawStyle } from './draw/draw-faces.ts';
