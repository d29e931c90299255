// The demo's own fonts (OFL-1.1, from the @fontsource npm packages, imported by demo.css; Vite emits the woff2
// files next to the page, nothing comes from a CDN), so that the page, and the labels drawn on its canvases,
// look the same whatever fonts the system has.

/** The page's text font (demo.css uses the same stack). */
export const SANS = "'Inter', sans-serif";
/** For `<code>`. */
export const MONO = "'JetBrains Mono', monospace";

/** A canvas font string in the page's font, e.g. `canvasFont(12)` = `"12px 'Inter', sans-serif"`. */
export const canvasFont = (px: number, weight = 400): string => `${weight === 400 ? '' : `${weight} `}${px}px ${SANS}`;

/**
 * Resolves when every face the demo uses is loaded. Canvas text drawn before a web font is loaded uses a
 * system font and is not redrawn by the browser, so canvases wait for this before they draw text.
 */
export function loadFonts(): Promise<void> {
  const faces = [canvasFont(16), canvasFont(16, 600), canvasFont(16, 700), `16px ${MONO}`];
  return Promise.all(faces.map((f) => document.fonts.load(f))).then(() => undefined);
}
