// The video loop's drop rule, with a video whose frames the test delivers and a detection the test finishes.
import { describe, expect, it } from 'vitest';
import { DisposedError } from '../../../src/core/index.ts';
import type { DetectionResult } from '../../../src/options/face-detector-options.ts';
import { watchVideo } from '../../../src/video/video-loop.ts';

/** What watchVideo uses of a <video>: frame callbacks, readyState, videoWidth. */
class FakeVideo {
  readyState = 4;
  videoWidth = 640;
  private callbacks = new Map<number, () => void>();
  private next = 1;
  requestVideoFrameCallback(cb: () => void): number {
    this.callbacks.set(this.next, cb);
    return this.next++;
  }
  cancelVideoFrameCallback(handle: number): void {
    this.callbacks.delete(handle);
  }
  /** Presents a new frame. */
  frame(): void {
    const pending = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const cb of pending) cb();
  }
  get waiting(): number {
    return this.callbacks.size;
  }
}

/** Detections that finish when the test says. */
class SlowDetector {
  readonly calls: { resolve: (r: DetectionResult) => void; reject: (e: unknown) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  detect = (): Promise<DetectionResult> => {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    return new Promise<DetectionResult>((resolve, reject) => this.calls.push({ resolve, reject })).finally(() => this.inFlight--);
  };
  finish(k: number): void {
    this.calls[k].resolve({ faces: [], seq: k } as unknown as DetectionResult);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('watchVideo', () => {
  it('one detection in flight: frames that come meanwhile are dropped, never queued; results in order', async () => {
    const video = new FakeVideo();
    const slow = new SlowDetector();
    const results: unknown[] = [];
    const w = watchVideo(video as unknown as HTMLVideoElement, slow.detect, (r) => results.push((r as unknown as { seq: number }).seq), { onError: () => undefined });
    video.frame(); // starts detection 0
    video.frame();
    video.frame(); // both dropped
    expect(slow.calls).toHaveLength(1);
    expect(w.stats).toEqual({ detected: 0, dropped: 2 });
    slow.finish(0);
    await tick();
    video.frame(); // starts detection 1
    slow.finish(1);
    await tick();
    expect(results).toEqual([0, 1]);
    expect(w.stats).toEqual({ detected: 2, dropped: 2 });
    expect(slow.maxInFlight).toBe(1);
    w.stop();
  });

  it('waits while the video has no frame', () => {
    const video = new FakeVideo();
    video.readyState = 1;
    const slow = new SlowDetector();
    const w = watchVideo(video as unknown as HTMLVideoElement, slow.detect, () => undefined, { onError: () => undefined });
    video.frame();
    expect(slow.calls).toHaveLength(0);
    w.stop();
  });

  it('stop() ends it: no more frame callbacks, a result still landing is not delivered, onStop once', async () => {
    const video = new FakeVideo();
    const slow = new SlowDetector();
    const results: unknown[] = [];
    let stops = 0;
    const w = watchVideo(video as unknown as HTMLVideoElement, slow.detect, (r) => results.push(r), { onError: () => undefined, onStop: () => stops++ });
    video.frame();
    w.stop();
    w.stop();
    expect(video.waiting).toBe(0);
    expect(w.running).toBe(false);
    slow.finish(0);
    await tick();
    expect(results).toEqual([]);
    expect(stops).toBe(1);
  });

  it('errors go to onError and the loop goes on; DisposedError stops it', async () => {
    const video = new FakeVideo();
    const slow = new SlowDetector();
    const errors: unknown[] = [];
    const w = watchVideo(video as unknown as HTMLVideoElement, slow.detect, () => undefined, { onError: (e) => errors.push(e) });
    video.frame();
    slow.calls[0].reject(new Error('boom'));
    await tick();
    expect(errors).toHaveLength(1);
    expect(w.running).toBe(true);
    video.frame();
    slow.calls[1].reject(new DisposedError('gone'));
    await tick();
    expect(w.running).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
