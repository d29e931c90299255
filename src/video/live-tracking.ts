import type { Face, ModelDescriptor, Size } from '../core/index.ts';
import type { DetectionResult } from '../options/face-detector-options.ts';
import { resolveDetectOverrides, type DetectSettings, type ResolvedWatchOptions } from '../options/resolve-options.ts';
import { AdaptiveInputSize, FaceTracker, smallestDetectableFace } from '../tracking/index.ts';

const blankFace = (): Face => ({ box: { x: 0, y: 0, width: 0, height: 0 }, score: 0, landmarks: [] });

/**
 * What `watch()` adds to a video's detections: tracks (ids, smoothing) on each result, taken in capture order;
 * the latest faces predicted to the time of the frame being shown; and, for `inputSize: 'auto'`, the input size
 * of the next frame, from the measured times.
 */
export class LiveTracking {
  private readonly tracker: FaceTracker | null;
  private adaptive: AdaptiveInputSize | null = null;
  /** Settings per size of the controller's ladder (its sizes are fixed objects until the video's size changes). */
  private readonly settingsBySize = new Map<Readonly<Size>, DetectSettings>();
  private latest: DetectionResult | null = null;
  private lastTime = -Infinity;
  private lastMediaTime = -Infinity;
  private predicted: Face[] = [];

  constructor(
    private readonly options: ResolvedWatchOptions,
    private readonly descriptor: ModelDescriptor,
  ) {
    this.tracker = options.tracking ? new FaceTracker(options.tracking) : null;
  }

  /** The input size `'auto'` runs now, or null when the size is not adaptive. */
  get inputSize(): Readonly<Size> | null {
    return this.adaptive?.size ?? null;
  }

  /** The settings for the next frame of a video of this size: its input size chosen by the controller when `'auto'`. */
  settingsFor(video: Size): DetectSettings {
    const adaptive = this.options.adaptive;
    if (!adaptive || this.descriptor.inputSize) return this.options.settings;
    if (!this.adaptive) this.adaptive = new AdaptiveInputSize(video, smallestDetectableFace(this.descriptor.levels), adaptive);
    else this.resize(video);
    const size = this.adaptive.size;
    let settings = this.settingsBySize.get(size);
    if (!settings) {
      settings = resolveDetectOverrides(this.options.settings, { inputSize: { width: size.width, height: size.height } });
      this.settingsBySize.set(size, settings);
    }
    return settings;
  }

  /** A new video size (a camera switch) rebuilds the controller's ladder: its sizes' settings go with it. */
  private resize(video: Size): void {
    const before = this.adaptive!.sizes;
    this.adaptive!.setSource(video);
    if (this.adaptive!.sizes !== before) this.settingsBySize.clear();
  }

  /** Takes a result, in the order the frames were taken: tracks its faces, and gives its time to the controller. */
  absorb(result: DetectionResult): void {
    const frame = result.frame!;
    if (this.tracker) {
      // A file that loops or seeks starts over (new tracks); otherwise the clock never runs back (display times
      // of consecutive camera frames can, slightly).
      if (frame.mediaTime < this.lastMediaTime) this.tracker.reset();
      this.lastMediaTime = frame.mediaTime;
      this.lastTime = Math.max(this.lastTime, frame.time);
      this.tracker.update(result.faces, this.lastTime);
    }
    const adaptive = this.adaptive;
    if (adaptive) {
      // Only a result run at the current size says how fast that size is (frames taken before a change still land).
      const size = adaptive.size;
      const { pack, inference, decode } = result.timings;
      if (result.inputSize.width === size.width && result.inputSize.height === size.height) adaptive.next(pack + inference + decode);
    }
    this.latest = result;
  }

  /**
   * The latest result's faces as they are predicted at `time` (ms, `performance.now()`): each track moved by its
   * velocity (at most `maxPredictionMs` ahead). Without tracking, the latest faces as they are. The array and its
   * faces are reused by the next call.
   */
  predict(time: number): Face[] {
    const faces = this.latest?.faces ?? [];
    if (!this.tracker) return faces;
    const out = this.predicted;
    out.length = 0;
    for (let i = 0; i < faces.length; i++) {
      const id = faces[i].id;
      if (id === undefined) continue;
      const face = (out[out.length] = this.spare(out.length));
      if (!this.tracker.predict(id, time, face)) out.length--;
    }
    return out;
  }

  private readonly pool: Face[] = [];

  private spare(i: number): Face {
    return (this.pool[i] ??= blankFace());
  }
}
