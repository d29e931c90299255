/** Median and p95 of repeated timings, in ms; the first `warmup` runs are discarded. */
export function measure(fn: () => unknown, runs: number, warmup = Math.ceil(runs / 10)): { median: number; p95: number } {
  for (let i = 0; i < warmup; i++) fn();
  const times = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times[i] = performance.now() - t0;
  }
  times.sort();
  return { median: times[Math.floor(runs / 2)], p95: times[Math.min(runs - 1, Math.floor(runs * 0.95))] };
}

export const ms = (v: number): string => `${v.toFixed(3)} ms`;

export function row(label: string, r: { median: number; p95: number }, extra = ''): string {
  return `${label.padEnd(52)} median ${ms(r.median).padStart(10)}   p95 ${ms(r.p95).padStart(10)}${extra ? `   ${extra}` : ''}`;
}
