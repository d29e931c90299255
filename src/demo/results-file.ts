import type { DemoResult } from './automation.ts';

/** Saves `data` as a pretty-printed JSON file through the browser's download. */
export function downloadJson(data: unknown, fileName: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Keeps the results to download: one for an image, the latest for the camera, and for a video file one per
 * video time, in time order. A looping video plays the same times again: each result of a new pass replaces the
 * earlier passes' results between the previous result of its own pass and itself, so the file covers the
 * video once, with the latest results.
 */
export class ResultLog {
  private results: DemoResult[] = [];
  /** videoTime of the previous video result of the current pass (-Infinity at the start of a pass). */
  private passTime = -Infinity;
  static readonly MAX_FRAMES = 10_000;

  clear(): void {
    this.results = [];
    this.passTime = -Infinity;
  }

  add(result: DemoResult): void {
    if (result.source !== 'video' || result.videoTime === undefined) {
      this.results = [result];
      return;
    }
    const t = result.videoTime;
    if (t < this.passTime) this.passTime = -Infinity; // the video started again (looped, or was seeked back)
    const from = this.passTime;
    this.results = this.results.filter((r) => !((r.videoTime! > from && r.videoTime! <= t) || r.videoTime === t));
    const at = this.results.findIndex((r) => r.videoTime! > t);
    if (at === -1) {
      if (this.results.length < ResultLog.MAX_FRAMES) this.results.push(result);
    } else {
      this.results.splice(at, 0, result);
    }
    this.passTime = t;
  }

  get size(): number {
    return this.results.length;
  }

  /** The file's content. */
  document(extra: Record<string, unknown>): unknown {
    const first = this.results[0];
    return {
      generator: 'retinaface-web demo',
      createdAt: new Date().toISOString(),
      ...extra,
      source: first ? { kind: first.source, name: first.name ?? null, width: first.sourceSize.width, height: first.sourceSize.height, mirrored: first.mirrored } : null,
      results: this.results.map((r) => ({
        ...(r.videoTime !== undefined ? { videoTime: r.videoTime } : {}),
        backend: r.backend,
        inputSize: r.inputSize,
        faces: r.faces,
      })),
    };
  }
}
