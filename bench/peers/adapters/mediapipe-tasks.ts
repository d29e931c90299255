// @mediapipe/tasks-vision's FaceDetector. The package ships wasm only; the one BlazeFace model on npm is the legacy
// solution's (@mediapipe/face_detection), which this tries.
import type { CreatePeerDetector, Face } from './adapter.ts';
import { MEDIAPIPE_FILES } from './mediapipe-legacy.ts';

/** A detection as Tasks returns it: box in pixels (top-left + size), scores per category, keypoints normalised. */
export interface TasksDetection {
  boundingBox?: { originX: number; originY: number; width: number; height: number };
  categories: { score: number }[];
  keypoints: { x: number; y: number }[];
}

/** Faces from Tasks detections on a width × height image; keypoints as in the legacy solution (see there). */
export function facesFromMediaPipeTasks(detections: TasksDetection[], width: number, height: number): Face[] {
  return detections
    .filter((d) => d.boundingBox)
    .map((d) => {
      const { originX, originY, width: w, height: h } = d.boundingBox!;
      return {
        box: { x: originX, y: originY, width: w, height: h },
        score: d.categories[0]?.score ?? 0,
        landmarks: d.keypoints.slice(0, 4).map(({ x, y }) => [x * width, y * height] as [number, number]),
      };
    })
    .sort((a, b) => b.score - a.score);
}

export const create: CreatePeerDetector = async (config, scoreThreshold) => {
  const { FilesetResolver, FaceDetector } = await import('@mediapipe/tasks-vision');
  const fileset = await FilesetResolver.forVisionTasks(new URL('/vendor/mediapipe-tasks/wasm', location.href).href);
  const detector = await FaceDetector.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: new URL(`${MEDIAPIPE_FILES}${config.model as string}`, location.href).href, delegate: 'CPU' },
    runningMode: 'IMAGE',
    minDetectionConfidence: scoreThreshold,
  });
  let score = scoreThreshold;
  return {
    runtime: 'MediaPipe Tasks wasm (CPU)',
    threads: 1,
    detect: async (image, s) => {
      if (s !== score) await detector.setOptions({ minDetectionConfidence: (score = s) });
      return facesFromMediaPipeTasks(detector.detect(image).detections as TasksDetection[], image.width, image.height);
    },
  };
};
