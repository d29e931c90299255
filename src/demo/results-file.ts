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

/** Keeps the results to download: one for an image, every frame's for a video file, the latest for the camera. */
export class ResultLog {
  private results: DemoResult[] = [];
  static readonly MAX_FRAMES = 10_000;

  clear(): void {
    this.results = [];
  }

  add(result: DemoResult): void {
    if (result.source === 'video') {
      if (this.results.length < ResultLog.MAX_FRAMES) this.results.push(result);
    } else {
      this.results = [result];
    }
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
