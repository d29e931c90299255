// One detector in its own page or iframe (the peers' tfjs copies clash in one realm). The spec comes in the URL
// (`?spec=<json>&score=<t>`); with `&startup=<image url>` the page measures its own cold start instead.
import type { DetectorSpec, PeerName } from './detectors.ts';
import type { CreatePeerDetector, Face, PeerDetector } from './adapters/adapter.ts';

const ADAPTERS: Record<PeerName, () => Promise<{ create: CreatePeerDetector }>> = {
  'retinaface-web': () => import('./adapters/retinaface-web.ts'),
  'opencv-yunet': () => import('./adapters/opencv-yunet.ts'),
  human: () => import('./adapters/human.ts'),
  'face-api': () => import('./adapters/face-api.ts'),
  'mediapipe-legacy': () => import('./adapters/mediapipe-legacy.ts'),
  'mediapipe-tasks': () => import('./adapters/mediapipe-tasks.ts'),
};

export interface ReadyInfo {
  runtime: string;
  threads: number;
  crossOriginIsolated: boolean;
  /** Import + create, ms. */
  createMs: number;
}

export interface StartupResult {
  /** From navigation start to the first result, less the test image's own fetch and decode. ms. */
  ms: number;
  faces: number;
}

const params = new URLSearchParams(location.search);
const spec = JSON.parse(params.get('spec') ?? 'null') as DetectorSpec;
const score = Number(params.get('score'));
const decode = async (bytes: Blob | ArrayBuffer) => createImageBitmap(bytes instanceof Blob ? bytes : new Blob([bytes]));

async function createDetector(): Promise<PeerDetector> {
  const { create } = await ADAPTERS[spec.peer]();
  return create(spec.config, score);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function startup(imageUrl: string): Promise<StartupResult> {
  const t = performance.now();
  const image = await decode(await (await fetch(imageUrl)).blob());
  const prep = performance.now() - t;
  const detector = await createDetector();
  const faces = await detector.detect(image, score);
  return { ms: performance.now() - prep, faces: faces.length };
}

let detector: PeerDetector | null = null;
let frame: ImageBitmap | null = null;

const api = {
  spec,
  ready: params.has('startup')
    ? null
    : (async (): Promise<ReadyInfo> => {
        const t = performance.now();
        detector = await createDetector();
        return { runtime: detector.runtime, threads: detector.threads, crossOriginIsolated, createMs: performance.now() - t };
      })(),
  startup: params.has('startup') ? startup(params.get('startup')!) : null,

  /** Accuracy: fetch, decode and detect one image file. */
  async detectUrl(url: string, s = score): Promise<{ width: number; height: number; faces: Face[] }> {
    const image = await decode(await (await fetch(url)).blob());
    try {
      return { width: image.width, height: image.height, faces: await detector!.detect(image, s) };
    } finally {
      image.close();
    }
  },

  /** Speed: decode the frame every timed call will use. */
  async setFrame(bytes: ArrayBuffer): Promise<{ width: number; height: number }> {
    frame?.close();
    frame = await decode(bytes);
    return { width: frame.width, height: frame.height };
  },

  /** Speed: one timed detect() on the frame. */
  async timeDetect(s = score): Promise<{ ms: number; faces: number }> {
    const t = performance.now();
    const faces = await detector!.detect(frame!, s);
    return { ms: performance.now() - t, faces: faces.length };
  },
};
// Rejections are read by the harness through these promises; do not also report them as unhandled.
api.ready?.catch(() => undefined);
api.startup?.catch(() => undefined);

export type FrameApi = typeof api;
Object.assign(window, { peer: api, describeError: message });
