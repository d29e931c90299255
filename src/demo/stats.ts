import type { DetectionTimings } from '../index.ts';

/** Per-frame stage times shown by the demo, ms. */
interface StageTimings {
  /** Frame capture (bitmap at the input size) and packing into the tensor. */
  captureAndPack: number;
  /** Messaging to and from the worker. */
  transfer: number;
  /** `session.run`. */
  inference: number;
  /** Anchor decode and NMS. */
  decode: number;
  /** Drawing the overlay. */
  draw: number;
}

export const STAGES: readonly { key: keyof StageTimings; label: string; color: string }[] = [
  { key: 'captureAndPack', label: 'Capture + pack', color: '#7c4dff' },
  { key: 'transfer', label: 'Transfer', color: '#00b0ff' },
  { key: 'inference', label: 'Inference', color: '#ff9100' },
  { key: 'decode', label: 'Decode + NMS', color: '#00c853' },
  { key: 'draw', label: 'Draw', color: '#f50057' },
];

const HISTORY = 60;
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : '–');

/**
 * FPS (results per second over the last two seconds) and per-stage times (median of the last frames) in a
 * table, with a stacked bar chart of the last 60 frames.
 */
export class StatsPanel {
  private readonly history: StageTimings[] = [];
  private readonly arrivals: number[] = [];
  private readonly cells = new Map<keyof StageTimings, HTMLElement>();
  private readonly chartCtx: CanvasRenderingContext2D | null;

  constructor(
    private readonly fpsEl: HTMLElement,
    tableBody: HTMLElement,
    private readonly totalEl: HTMLElement,
    private readonly chart: HTMLCanvasElement,
  ) {
    for (const stage of STAGES) {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = stage.color;
      swatch.setAttribute('aria-hidden', 'true');
      name.append(swatch, stage.label);
      const value = document.createElement('td');
      value.textContent = '–';
      row.append(name, value);
      tableBody.append(row);
      this.cells.set(stage.key, value);
    }
    this.chartCtx = chart.getContext('2d');
  }

  /** Adds one frame's timings; `continuous` frames (camera, video) count towards the FPS. */
  add(t: DetectionTimings & { draw: number }, continuous: boolean): void {
    this.history.push({ captureAndPack: t.capture + t.pack, transfer: t.transfer, inference: t.inference, decode: t.decode, draw: t.draw });
    if (this.history.length > HISTORY) this.history.shift();
    const now = performance.now();
    if (continuous) {
      this.arrivals.push(now);
      while (this.arrivals.length && this.arrivals[0] < now - 2000) this.arrivals.shift();
    }
    this.render(continuous);
  }

  reset(): void {
    this.history.length = 0;
    this.arrivals.length = 0;
    this.render(false);
  }

  private render(continuous: boolean): void {
    const recent = this.history.slice(-20);
    let total = 0;
    for (const stage of STAGES) {
      const m = median(recent.map((t) => t[stage.key]));
      this.cells.get(stage.key)!.textContent = ms(m);
      if (Number.isFinite(m)) total += m;
    }
    this.totalEl.textContent = recent.length ? ms(total) : '–';
    const n = this.arrivals.length;
    const span = n > 1 ? (this.arrivals[n - 1] - this.arrivals[0]) / 1000 : 0;
    this.fpsEl.textContent = continuous && span > 0 ? ((n - 1) / span).toFixed(1) : '–';
    this.drawChart();
  }

  private drawChart(): void {
    const ctx = this.chartCtx;
    if (!ctx) return;
    const { width, height } = this.chart;
    ctx.clearRect(0, 0, width, height);
    const totals = this.history.map((t) => STAGES.reduce((sum, s) => sum + t[s.key], 0));
    const top = Math.max(1, ...totals);
    const barWidth = width / HISTORY;
    this.history.forEach((t, i) => {
      let y = height;
      for (const stage of STAGES) {
        const h = (t[stage.key] / top) * (height - 2);
        ctx.fillStyle = stage.color;
        ctx.fillRect(i * barWidth, y - h, Math.max(1, barWidth - 1), h);
        y -= h;
      }
    });
    this.chart.setAttribute('aria-label', `Stage times of the last ${this.history.length} frames; the tallest bar is ${ms(top)}.`);
  }
}
