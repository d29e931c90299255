import type { Backend, DetectionTimings, Face, Size } from '../index.ts';
import type { LoadState } from './detector-session.ts';
import type { NoticeInfo } from './notices.ts';

export type SourceKind = 'camera' | 'image' | 'video';

/** One detection as the page shows it. */
export interface DemoResult {
  /** Counts results since the page loaded (1, 2, …): a new value means a new result. */
  seq: number;
  source: SourceKind;
  /** The file's name (image and video files). */
  name?: string;
  /**
   * Faces in source-video pixels (the frame's own width × height, whatever its size on screen), best first.
   * When `mirrored` is true (camera with "Mirror" on) they are in the mirrored selfie view, as drawn:
   * x_shown = width − x_camera, and landmarks keep image-left first.
   */
  faces: Face[];
  mirrored: boolean;
  sourceSize: Size;
  /** The model's input tensor size for this frame. */
  inputSize: Size;
  backend: Backend;
  /** The library's timings of this detection (ms; `total`: detect() call to result) and the overlay's `draw`. */
  timings: DetectionTimings & { draw: number };
  /** Video files: the video's `currentTime` when the result arrived, s (results lag the picture by `total`). */
  videoTime?: number;
}

/**
 * The page's state for automation and tests, as `window.retinafaceDemo`. Documented in the README ("Demo").
 */
export interface DemoAutomation {
  /** The model's load state: 'idle' | 'downloading' | 'warming' | 'ready' | 'error'. */
  readonly status: LoadState;
  /** What runs ('webgpu' | 'wasm'), null while no model is loaded. */
  readonly backend: Backend | null;
  readonly backendReason: string | null;
  /** URL of the loaded model, null while none is loaded. */
  readonly model: string | null;
  /** What is being detected on, null when nothing is open. */
  readonly source: SourceKind | null;
  readonly latest: DemoResult | null;
  /** Messages shown on the page now (errors and warnings). */
  readonly notices: NoticeInfo[];
  /** Loses the WebGPU device on purpose (`FaceDetector.simulateDeviceLoss`); false when WebGPU is not in use. */
  simulateDeviceLoss(): Promise<boolean>;
}

declare global {
  interface Window {
    retinafaceDemo?: DemoAutomation;
  }
}

export function exposeForAutomation(state: DemoAutomation): void {
  window.retinafaceDemo = state;
}
