import { DisposedError } from '../core/index.ts';
import type { DetectionResult } from '../options/face-detector-options.ts';

export interface VideoWatcher {
  stop(): void;
  readonly running: boolean;
  /** Frames detected and frames dropped because a detection was still running. */
  readonly stats: { detected: number; dropped: number };
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

export interface VideoLoopHooks {
  /** Called when a detection fails (the loop goes on, except after dispose). */
  onError: (error: unknown) => void;
  /** Called once when the loop stops. */
  onStop?: () => void;
}

/**
 * Runs `detectFrame` on each new video frame (requestVideoFrameCallback; requestAnimationFrame where missing),
 * with at most one detection in flight: a frame that arrives while one runs is dropped.
 */
export function watchVideo(
  video: HTMLVideoElement,
  detectFrame: () => Promise<DetectionResult>,
  onResult: (result: DetectionResult) => void,
  hooks: VideoLoopHooks,
): VideoWatcher {
  const v = video as FrameCallbackVideo;
  const perFrame = typeof v.requestVideoFrameCallback === 'function';
  let running = true;
  let busy = false;
  let handle = 0;
  const stats = { detected: 0, dropped: 0 };

  const schedule = () => {
    if (!running) return;
    handle = perFrame ? v.requestVideoFrameCallback!(onFrame) : requestAnimationFrame(onFrame);
  };
  const onFrame = () => {
    schedule();
    if (busy) {
      stats.dropped++;
      return;
    }
    if (video.readyState < 2 || video.videoWidth === 0) return;
    busy = true;
    detectFrame()
      .then((result) => {
        stats.detected++;
        if (running) onResult(result);
      })
      .catch((error) => {
        if (error instanceof DisposedError) watcher.stop();
        else if (running) hooks.onError(error);
      })
      .finally(() => (busy = false));
  };

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
  };
  schedule();
  return watcher;
}
