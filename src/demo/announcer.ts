const describe = (count: number) => (count === 0 ? 'No faces' : count === 1 ? '1 face' : `${count} faces`);

/**
 * Announces the face count in a polite live region: only when it changes, and at most once per `intervalMs`
 * (a changing count is announced when the interval is over, with its latest value), so screen readers are not
 * flooded at video frame rate.
 */
export class FaceCountAnnouncer {
  private lastCount: number | null = null;
  private lastAt = -Infinity;
  private pending: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly region: HTMLElement,
    private readonly intervalMs = 2000,
  ) {}

  update(count: number): void {
    this.pending = count;
    if (this.timer !== null) return;
    const wait = this.lastAt + this.intervalMs - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Forgets the last count (a new source starts): the next count is announced even if equal. */
  reset(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.lastCount = null;
    this.region.textContent = '';
  }

  private flush(): void {
    this.timer = null;
    const count = this.pending;
    this.pending = null;
    if (count === null || count === this.lastCount) return;
    this.lastCount = count;
    this.lastAt = performance.now();
    this.region.textContent = describe(count);
  }
}
