import { DisposedError, type Face, type Size } from '../core/index.ts';
import type { DetectionResult, VideoFrameInfo } from '../options/face-detector-options.ts';

export interface VideoWatcher {
  stop(): void;
  readonly running: boolean;
  /** Frames detected, and frames dropped because a newer one replaced them while the worker was busy. */
  readonly stats: { detected: number; dropped: number };
  /**
   * The latest result's faces predicted at `time` (ms, `performance.now()`; e.g. requestVideoFrameCallback's
   * `expectedDisplayTime` of the frame being drawn): each tracked face moved by its velocity, so an overlay keeps
   * up with motion between results. The array and its faces are reused by the next call. Without tracking, the
   * latest faces as they are.
   */
  predict(time: number): Face[];
  /** With `inputSize: 'auto'`, the input size it runs now; otherwise null. */
  readonly inputSize: Readonly<Size> | null;
}

/** What the loop asks of the tracking it reports. */
export interface LiveState {
  predict(time: number): Face[];
  readonly inputSize: Readonly<Size> | null;
}

/** Takes the current frame now and sends it as the stream's newest; resolves with its result, or null if replaced. */
export type LiveFrameSink = (frame: VideoFrameInfo) => Promise<DetectionResult | null>;

export interface VideoLoopHooks {
  /** Called when a detection fails (the loop goes on, except after dispose). */
  onError: (error: unknown) => void;
  /** Called once when the loop stops. */
  onStop?: () => void;
}

/**
 * Frames sent and not yet answered at most: one running, one waiting in the worker, one on its way to replace
 * the waiting one. A frame that comes when this many are out is dropped on the page (bounded memory however
 * slow the detections are).
 */
export const MAX_FRAMES_IN_FLIGHT = 3;

type FrameMetadata = { expectedDisplayTime?: number; captureTime?: number; mediaTime?: number };
type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, metadata: FrameMetadata) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

/**
 * The live loop: every new video frame (requestVideoFrameCallback; requestAnimationFrame where missing) is
 * taken and sent as the newest frame of its stream. The worker runs one frame while the next one waits, so it
 * is never idle while frames come; a frame that comes while one already waits replaces it (the older is
 * dropped, never queued), so latency does not grow. Results arrive in the order their frames were taken.
 */
export function watchVideo(
  video: HTMLVideoElement,
  send: LiveFrameSink,
  onResult: (result: DetectionResult) => void,
  hooks: VideoLoopHooks,
  live: LiveState = { predict: () => [], inputSize: null },
): VideoWatcher {
  const v = video as FrameCallbackVideo;
  const perFrame = typeof v.requestVideoFrameCallback === 'function';
  let running = true;
  let handle = 0;
  let inFlight = 0;
  const stats = { detected: 0, dropped: 0 };

  const delivered = (result: DetectionResult | null) => {
    inFlight--;
    if (result === null) stats.dropped++;
    else {
      stats.detected++;
      if (running) onResult(result);
    }
  };
  const failed = (error: unknown) => {
    inFlight--;
    if (error instanceof DisposedError) watcher.stop();
    else if (running) hooks.onError(error);
  };
  const schedule = () => {
    if (!running) return;
    handle = perFrame ? v.requestVideoFrameCallback!(onFrame) : requestAnimationFrame(onFrame);
  };
  function onFrame(now: number, metadata?: FrameMetadata): void {
    schedule();
    if (video.readyState < 2 || video.videoWidth === 0) return;
    if (inFlight >= MAX_FRAMES_IN_FLIGHT) {
      stats.dropped++;
      return;
    }
    inFlight++;
    const frame: VideoFrameInfo = {
      time: metadata?.expectedDisplayTime ?? now,
      captureTime: metadata?.captureTime,
      mediaTime: metadata?.mediaTime ?? video.currentTime,
    };
    send(frame).then(delivered, failed);
  }

  const watcher: VideoWatcher = {
    stop() {
      if (!running) return;
      running = false;
      if (perFrame) v.cancelVideoFrameCallback?.(handle);
      else cancelAnimationFrame(handle);
      hooks.onStop?.();
    },
    get running() {
      return running;
    },
    stats,
    predict: (time) => live.predict(time),
    get inputSize() {
      return live.inputSize;
    },
  };
  schedule();
  return watcher;
}
