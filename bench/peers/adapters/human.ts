// @vladmandic/human, face detection only (its BlazeFace back-camera model), on its tfjs WASM backend.
import type { CreatePeerDetector, Face } from './adapter.ts';
import { MAX_FACES } from '../detectors.ts';

/** The part of Human's `FaceResult` this adapter reads: `box` is [x, y, width, height] in pixels, `mesh` BlazeFace's 6 points. */
export interface HumanFace {
  box: [number, number, number, number];
  score: number;
  mesh: number[][];
}

/**
 * Faces from Human's results. BlazeFace's six points are, in Human's order, the eye on the image's left, the eye on
 * the image's right, the nose tip, the mouth centre and the two ears (checked on real photos); it has no mouth
 * corners, so `landmarks` is [left eye, right eye, nose, mouth centre] — `Face`'s first three points, then the mouth.
 */
export function facesFromHuman(faces: HumanFace[]): Face[] {
  return faces
    .map(({ box: [x, y, width, height], score, mesh }) => ({
      box: { x, y, width, height },
      score,
      landmarks: mesh.slice(0, 4).map(([px, py]) => [px, py] as [number, number]),
    }))
    .sort((a, b) => b.score - a.score);
}

export const create: CreatePeerDetector = async (config, scoreThreshold) => {
  const { Human } = await import('@vladmandic/human');
  const off = { enabled: false };
  const human = new Human({
    backend: 'wasm',
    wasmPath: new URL('/vendor/tfjs-backend-wasm/', location.href).href,
    modelBasePath: new URL('/vendor/human-models/', location.href).href,
    warmup: 'none',
    cacheSensitivity: 0, // Human otherwise skips detection on frames it finds similar
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        rotation: false,
        maxDetected: MAX_FACES,
        minConfidence: scoreThreshold,
        skipFrames: 0,
        skipTime: 0,
        scale: config.scale as number,
      },
      mesh: off,
      iris: off,
      attention: off,
      description: off,
      emotion: off,
      antispoof: off,
      liveness: off,
    },
    body: off,
    hand: off,
    object: off,
    gesture: off,
    segmentation: off,
  });
  await human.load();
  await human.init();
  const tf = human.tf as { getBackend(): string; getThreadsCount?: () => number };
  return {
    runtime: `tfjs ${tf.getBackend().toUpperCase()}`,
    threads: tf.getThreadsCount?.() ?? NaN,
    detect: async (image, score) => {
      const result = await human.detect(image, { face: { detector: { minConfidence: score } } });
      return facesFromHuman(result.face as unknown as HumanFace[]);
    },
  };
};
