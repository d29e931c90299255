import type { Face } from '../core/index.ts';

/**
 * `value.toExponential(digits)`, except that an exact tie goes to the even digit: C's printf rounds the exact
 * binary value half to even, while toExponential/toFixed round ties up (0.5078125 → 0.507812 in C, 0.507813 in JS).
 */
function toExponentialHalfEven(value: number, digits: number): string {
  // 100 significant digits hold the exact expansion of every double of the magnitudes written here.
  const [mantissa, exponent] = value.toExponential(99).split('e');
  const all = mantissa.replace('-', '').replace('.', '');
  const tie = all[digits + 1] === '5' && /^0*$/.test(all.slice(digits + 2));
  if (tie && Number(all[digits]) % 2 === 0) {
    return `${value < 0 ? '-' : ''}${all[0]}${digits > 0 ? '.' : ''}${all.slice(1, digits + 1)}e${exponent}`;
  }
  return value.toExponential(digits);
}

/** C's `%g` (6 significant digits, trailing zeros dropped), as the reference writers use for scores. */
export function formatG(value: number): string {
  if (value === 0) return '0';
  const [mantissa, exp] = toExponentialHalfEven(value, 5).split('e');
  const exponent = Number(exp);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= 6) {
    return `${trim(mantissa)}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  // The same 6 significant digits in fixed notation (the rounded mantissa, so no second rounding of a tie).
  return trim(Number(`${mantissa}e${exponent}`).toFixed(5 - exponent));
}

/**
 * One image's predictions in the official WIDER FACE format (spec §4.1): the image name, the count, then
 * `x y w h score` per face, best first, written as insightface's `'%d %d %d %d %g' % (x1, y1, x2−x1, y2−y1, s)`
 * (each value truncated toward zero; the widths are float32 differences as in the reference).
 */
export function widerPrediction(imageName: string, faces: readonly Face[]): string {
  const lines = [imageName, String(faces.length)];
  for (const f of faces) {
    const w = Math.trunc(Math.fround(f.box.width));
    const h = Math.trunc(Math.fround(f.box.height));
    lines.push(`${Math.trunc(f.box.x)} ${Math.trunc(f.box.y)} ${w} ${h} ${formatG(f.score)}`);
  }
  return `${lines.join('\n')}\n`;
}
