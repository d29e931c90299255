// docs/benchmarks.svg: hard AP against ms per 640x480 frame, one curve (or point) per detector family, labelled.
// Plain SVG written by hand, generic font families only, so it reads the same everywhere.
import type { BenchResults, DetectorResult, Timing } from './results.ts';

export interface ChartPoint {
  group: string;
  /** Short label beside the point (e.g. the input size). */
  label: string;
  ms: number;
  hardAp: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The points of the picture: every detector that has both a hard AP and a 640x480 timing (its own or the one it shares). */
export function chartPoints(results: BenchResults): ChartPoint[] {
  const byId = new Map(results.detectors.map((d) => [d.spec.id, d]));
  const timingOf = (d: DetectorResult): Timing | undefined => {
    const t = (d.spec.timedAs ? byId.get(d.spec.timedAs) : d)?.speed?.['640x480'];
    return t && 'median' in t ? t : undefined;
  };
  return results.detectors.flatMap((d) => {
    const t = timingOf(d);
    if (!t || !d.ap) return [];
    return [{ group: d.spec.group, label: d.spec.point, ms: t.median, hardAp: d.ap.hard }];
  });
}

export function chartSvg(points: ChartPoint[], title: string): string {
  const W = 980;
  const H = 580;
  const m = { left: 70, right: 320, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const msValues = points.map((p) => p.ms);
  // Log scale on time: the detectors span an order of magnitude.
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...msValues, 10)) * 2) / 2);
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...msValues, 100)) * 2) / 2);
  const x = (ms: number) => m.left + ((Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * pw;
  const yMax = Math.min(1, Math.ceil(Math.max(...points.map((p) => p.hardAp), 0.5) * 10 + 0.5) / 10);
  const y = (ap: number) => m.top + (1 - ap / yMax) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${m.left}" y="28" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  // Grid and axes.
  for (let ap = 0; ap <= yMax + 1e-9; ap += 0.1) {
    const yy = y(ap).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#444">${ap.toFixed(1)}</text>`);
  }
  const ticks: number[] = [];
  for (let decade = lo; decade < hi * 1.01; decade *= 10) for (const k of [1, 2, 5]) if (decade * k >= lo * 0.999 && decade * k <= hi * 1.001) ticks.push(decade * k);
  for (const t of ticks) {
    const xx = x(t).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${m.top}" y2="${m.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${xx}" y="${m.top + ph + 18}" text-anchor="middle" fill="#444">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${H - 18}" text-anchor="middle">ms per detect() on a 640x480 frame (median, log scale) — faster is left</text>`);
  out.push(`<text transform="translate(20 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">WIDER FACE hard AP — better is up</text>`);
  // One colour per group, a line through its points in order of time, each point labelled.
  const groups = [...new Set(points.map((p) => p.group))];
  // Labels go beside their point where they overlap no label placed before (approximate text boxes, 6.2 px a char).
  const placed = points.map((p) => ({ x1: x(p.ms) - 5, x2: x(p.ms) + 5, y1: y(p.hardAp) - 5, y2: y(p.hardAp) + 5 }));
  const placeLabel = (px: number, py: number, text: string) => {
    const w = text.length * 6.2;
    for (const [dx, dy, anchor] of [[7, -6, 'start'], [7, 14, 'start'], [-7, -6, 'end'], [-7, 14, 'end'], [7, -18, 'start'], [7, 26, 'start']] as const) {
      const x1 = anchor === 'start' ? px + dx : px + dx - w;
      const box = { x1, x2: x1 + w, y1: py + dy - 10, y2: py + dy + 2 };
      if (!placed.some((b) => b.x1 < box.x2 && box.x1 < b.x2 && b.y1 < box.y2 && box.y1 < b.y2)) {
        placed.push(box);
        return { x: px + dx, y: py + dy, anchor };
      }
    }
    return { x: px + 7, y: py - 6, anchor: 'start' as const };
  };
  groups.forEach((group, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const pts = points.filter((p) => p.group === group).sort((a, b) => a.ms - b.ms || a.hardAp - b.hardAp);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map((p) => `${x(p.ms).toFixed(1)},${y(p.hardAp).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = [x(p.ms), y(p.hardAp)];
      out.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4.5" fill="${colour}" stroke="#fff" stroke-width="1"/>`);
      if (!p.label) continue;
      const at = placeLabel(px, py, p.label);
      out.push(`<text x="${at.x.toFixed(1)}" y="${at.y.toFixed(1)}" text-anchor="${at.anchor}" font-size="11" fill="${colour}">${escapeXml(p.label)}</text>`);
    }
    const ly = m.top + 8 + i * 22;
    out.push(`<circle cx="${m.left + pw + 20}" cy="${ly}" r="5" fill="${colour}"/>`);
    out.push(`<text x="${m.left + pw + 32}" y="${ly}" dominant-baseline="middle">${escapeXml(group)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
