/**
 * Precision/recall curves as a small self-contained SVG: both axes 0 to 1, a grid, one polyline per curve and a
 * legend. Text uses the generic `sans-serif` family only; nothing external is referenced.
 */

export interface PrCurveSeries {
  /** Legend text, e.g. `easy  AP 0.923`. */
  label: string;
  recall: ArrayLike<number>;
  precision: ArrayLike<number>;
}

export interface PrCurveSvgOptions {
  /** Title above the plot. Defaults to none. */
  title?: string;
  /** Picture size in px. Defaults to 480 x 400. */
  width?: number;
  height?: number;
}

const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];

const escapeXml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const px = (v: number) => String(Math.round(v * 100) / 100);

/** The SVG document (a string) of the curves; points with a NaN coordinate are left out. */
export function prCurveSvg(series: readonly PrCurveSeries[], options: PrCurveSvgOptions = {}): string {
  const width = options.width ?? 480;
  const height = options.height ?? 400;
  const left = 56, right = 16, top = options.title ? 36 : 16, bottom = 48;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (recall: number) => left + recall * plotW;
  const y = (precision: number) => top + (1 - precision) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title) parts.push(`<text x="${px(width / 2)}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    const stroke = i === 0 || i === 10 ? '#000000' : '#dddddd';
    parts.push(`<line x1="${px(x(v))}" y1="${px(top)}" x2="${px(x(v))}" y2="${px(top + plotH)}" stroke="${stroke}"/>`);
    parts.push(`<line x1="${px(left)}" y1="${px(y(v))}" x2="${px(left + plotW)}" y2="${px(y(v))}" stroke="${stroke}"/>`);
    if (i % 2 === 0) {
      parts.push(`<text x="${px(x(v))}" y="${px(top + plotH + 16)}" text-anchor="middle">${v.toFixed(1)}</text>`);
      parts.push(`<text x="${px(left - 6)}" y="${px(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
    }
  }
  parts.push(`<text x="${px(left + plotW / 2)}" y="${px(height - 10)}" text-anchor="middle">Recall</text>`);
  parts.push(`<text transform="translate(16 ${px(top + plotH / 2)}) rotate(-90)" text-anchor="middle">Precision</text>`);

  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points: string[] = [];
    let lastX = NaN, lastY = NaN;
    const n = Math.min(s.recall.length, s.precision.length);
    for (let k = 0; k < n; k++) {
      const r = s.recall[k], p = s.precision[k];
      if (Number.isNaN(r) || Number.isNaN(p)) continue;
      const cx = x(r), cy = y(p);
      // Points closer than a quarter pixel to the last one drawn add nothing but bytes.
      if (Math.abs(cx - lastX) < 0.25 && Math.abs(cy - lastY) < 0.25 && k < n - 1) continue;
      points.push(`${px(cx)},${px(cy)}`);
      lastX = cx;
      lastY = cy;
    }
    if (points.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const ly = top + plotH - 12 - (series.length - 1 - i) * 18;
    parts.push(`<line x1="${px(left + 12)}" y1="${px(ly)}" x2="${px(left + 36)}" y2="${px(ly)}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${px(left + 42)}" y="${px(ly + 4)}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
