// retinaface-web itself, through its public API only (createFaceDetector, detect).
import type { CreatePeerDetector } from './adapter.ts';
import { MAX_FACES } from '../detectors.ts';
import type { InputSizeRequest } from '../../../src/index.ts';

export const create: CreatePeerDetector = async (config, scoreThreshold) => {
  const { createFaceDetector } = await import('../../../src/index.ts');
  const inputSize = config.inputSize as InputSizeRequest;
  const detector = await createFaceDetector({
    model: config.model as string,
    modelBaseUrl: new URL('/models/', location.href),
    inputSize,
    scoreThreshold,
    maxFaces: MAX_FACES,
  });
  return {
    runtime: `onnxruntime-web ${detector.backend.toUpperCase()}`,
    threads: detector.numThreads,
    detect: async (image, score) => (await detector.detect(image, { scoreThreshold: score, quality: config.quality === 'best' ? 'best' : 'fast' })).faces,
  };
};
