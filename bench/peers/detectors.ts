// The detectors that `npm run bench:peers` compares: every point of the table and the picture. Read by the Node
// side (what to run, what to report) and by the frame page (what to create), so it imports nothing but types.

/** Which adapter in `adapters/` runs a detector (one adapter file per peer). */
export type PeerName = 'retinaface-web' | 'opencv-yunet' | 'human' | 'face-api' | 'mediapipe-legacy' | 'mediapipe-tasks';

export interface DetectorSpec {
  /** Unique, URL-safe. */
  id: string;
  peer: PeerName;
  /** The row's name in the table. */
  label: string;
  /** Points of one curve in the picture share a group (e.g. one model at several input sizes). */
  group: string;
  /** The point's label within its group in the picture (e.g. the input size); empty for a lone point. */
  point: string;
  /** Score threshold of the accuracy run, where the detector cannot run at `ACCURACY_SCORE`. */
  accuracyScore?: number;
  /** Adapter settings (JSON), passed to its `create`. */
  config: Record<string, unknown>;
  /** What the settings mean, for the report. */
  settings: string;
  /**
   * Whether it takes part in the speed and start-up runs. Variants that differ from another detector only in how
   * boxes are post-processed (same network, same work) are measured once, under the detector they copy.
   */
  timed: boolean;
  /** For an untimed variant: the id whose speed and start-up it shares. */
  timedAs?: string;
}

/** Score threshold for the accuracy run (low, so that the precision/recall curve is complete). */
export const ACCURACY_SCORE = 0.02;
/** Score threshold for the speed and start-up runs: a usual operating point. */
export const SPEED_SCORE = 0.5;
/** No detector may stop short of the faces in a WIDER crowd (up to ~1000 faces an image). */
export const MAX_FACES = 1000;

/** retinaface-web's input sizes: its native mode and fixed letterbox sizes (smaller is faster). */
export const RETINAFACE_SIZES: { name: string; inputSize: 'native' | { width: number; height: number } }[] = [
  { name: 'native', inputSize: 'native' },
  { name: '480x352', inputSize: { width: 480, height: 352 } },
  { name: '320x256', inputSize: { width: 320, height: 256 } },
];

/**
 * One retinaface-web point per installed catalog model and input size; and the default model's best-quality mode
 * (accuracy only: ten runs of the model per image, it is no live-speed point).
 */
export function retinafaceDetectors(models: { id: string; title: string }[], defaultModel: string): DetectorSpec[] {
  const best: DetectorSpec[] = models
    .filter((m) => m.id === defaultModel)
    .map((model) => ({
      id: `rfw-${model.id}-best`,
      peer: 'retinaface-web' as const,
      label: `retinaface-web ${model.id}, best quality`,
      group: `retinaface-web ${model.id}`,
      point: 'best',
      config: { model: model.id, inputSize: 'native', quality: 'best' },
      settings: `detect(image, { quality: 'best' }): insightface's multi-scale + flip test with box voting (accuracy only, not timed)`,
      timed: false,
    }));
  return [...sizedRetinafaceDetectors(models), ...best];
}

function sizedRetinafaceDetectors(models: { id: string; title: string }[]): DetectorSpec[] {
  return models.flatMap((model) =>
    RETINAFACE_SIZES.map(({ name, inputSize }) => ({
      id: `rfw-${model.id}-${name}`,
      peer: 'retinaface-web' as const,
      label: `retinaface-web ${model.id}, ${name}`,
      group: `retinaface-web ${model.id}`,
      point: name,
      config: { model: model.id, inputSize },
      settings:
        `createFaceDetector({model: '${model.id}'}) (backend 'auto', which is WASM here; default threads, the family's NMS IoU: ${model.id === 'yunet' ? "0.3, OpenCV's" : '0.4'}), ` +
        `inputSize ${name === 'native' ? "'native' (the image's own size padded to a multiple of 32)" : `${name} (letterboxed)`}`,
      timed: true,
    })),
  );
}

/** The peers: what users would pick instead. */
export const PEER_DETECTORS: DetectorSpec[] = [
  {
    id: 'opencv-yunet',
    peer: 'opencv-yunet',
    label: 'OpenCV.js YuNet (cv.FaceDetectorYN)',
    group: 'OpenCV.js YuNet',
    point: '',
    config: {},
    settings:
      '@techstark/opencv-js 4.12.0-release.1 (OpenCV 4.12, objdetect + dnn, single-threaded build); ' +
      '`cv.FaceDetectorYN` on face_detection_yunet_2026may.onnx, input size = the image size, NMS 0.3, topK 5000',
    timed: true,
  },
  {
    id: 'human',
    peer: 'human',
    label: 'Human BlazeFace (box as returned: ×1.4, squared)',
    group: 'Human BlazeFace',
    point: '×1.4 box',
    config: { scale: 1.4 },
    settings:
      '@vladmandic/human 3.3.6, tfjs wasm backend, face detector only (blazeface, no mesh/iris/description), ' +
      'rotation off, frame cache off, maxDetected 1000, its NMS IoU 0.1; box as Human returns it (enlarged ×1.4 and squared, its default)',
    timed: true,
  },
  {
    id: 'human-unenlarged',
    peer: 'human',
    label: 'Human BlazeFace (unenlarged box: ×1, squared)',
    group: 'Human BlazeFace',
    point: '×1 box',
    config: { scale: 1 },
    settings: 'as above with `face.detector.scale: 1`: the detector box not enlarged (Human still squares it)',
    timed: false,
    timedAs: 'human',
  },
  {
    id: 'face-api-ssd',
    peer: 'face-api',
    label: 'face-api SsdMobilenetv1',
    group: 'face-api SsdMobilenetv1',
    point: '',
    config: { net: 'ssd' },
    accuracyScore: 0.2,
    settings:
      '@vladmandic/face-api 1.7.15, tfjs wasm backend, `SsdMobilenetv1Options({minConfidence, maxResults: 1000})` (512x512 input, its NMS IoU 0.5); ' +
      'accuracy run at minConfidence 0.2, not 0.02: its NMS copies every box out of the tensor for each IoU it computes (`boxes.arraySync()` inside `IOU`), so at 0.02 one crowded image takes minutes',
    timed: true,
  },
  {
    id: 'face-api-tiny-416',
    peer: 'face-api',
    label: 'face-api TinyFaceDetector 416',
    group: 'face-api TinyFaceDetector',
    point: '416',
    config: { net: 'tiny', inputSize: 416 },
    settings: '@vladmandic/face-api 1.7.15, tfjs wasm backend, `TinyFaceDetectorOptions({inputSize: 416, scoreThreshold})` (its NMS IoU 0.4)',
    timed: true,
  },
  {
    id: 'face-api-tiny-608',
    peer: 'face-api',
    label: 'face-api TinyFaceDetector 608',
    group: 'face-api TinyFaceDetector',
    point: '608',
    config: { net: 'tiny', inputSize: 608 },
    settings: 'as above, `inputSize: 608`',
    timed: true,
  },
  {
    id: 'mediapipe-legacy-short',
    peer: 'mediapipe-legacy',
    label: 'MediaPipe face_detection (legacy), short range',
    group: 'MediaPipe face_detection',
    point: 'short',
    config: { model: 'short' },
    settings:
      "@mediapipe/face_detection 0.4.1657300184 (the legacy solution, its own wasm + WebGL graph, files served locally via `locateFile`), `model: 'short'` (face_detection_short_range.tflite, 128x128); its own score threshold 0.5 (setting `minDetectionConfidence` aborts its graph in this version, so the accuracy run cannot go lower)",
    timed: true,
  },
  {
    id: 'mediapipe-legacy-full',
    peer: 'mediapipe-legacy',
    label: 'MediaPipe face_detection (legacy), full range',
    group: 'MediaPipe face_detection',
    point: 'full',
    config: { model: 'full' },
    settings: "as above, `model: 'full'` (face_detection_full_range_sparse.tflite, 192x192)",
    timed: true,
  },
  {
    id: 'mediapipe-tasks',
    peer: 'mediapipe-tasks',
    label: '@mediapipe/tasks-vision FaceDetector',
    group: 'MediaPipe tasks-vision',
    point: '',
    config: { model: 'face_detection_short_range.tflite' },
    settings:
      "@mediapipe/tasks-vision 1.1.0 `FaceDetector` (wasm from the package), runningMode 'IMAGE', with the only BlazeFace model an npm package ships: @mediapipe/face_detection's face_detection_short_range.tflite",
    timed: true,
  },
];
