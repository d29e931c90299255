import { expect, test } from '@playwright/test';
import { openDemo } from './demo-helpers.ts';
import { sharedFile } from './helpers.ts';

// The visual baselines (demo-image.spec.ts) hold only if nothing on the page is drawn in a system font: which
// fonts a machine has (and so what `sans-serif` or `monospace` means) differs from one Debian install to the next.

interface DomNode {
  nodeId: number;
  nodeType: number;
  nodeName: string;
  attributes?: string[];
  children?: DomNode[];
  shadowRoots?: DomNode[];
  pseudoElements?: DomNode[];
}

const OWN_FONTS = ['Inter', 'Inter SemiBold', 'Inter Bold', 'JetBrains Mono'];

test('every piece of text on the page, controls included, is drawn in the demo\'s own web fonts', async ({ page }) => {
  await openDemo(page);
  await expect(page.locator('#model-note')).toBeVisible(); // the note with its <code> is shown
  await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles(sharedFile('testdata/photos/vladmandic-sample5.jpg'));
  await expect(page.locator('#face-total')).toHaveText('5');

  // Chromium reports, per element, the platform fonts its text was actually rendered with (fallbacks included).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
  const used = new Map<string, string[]>();
  let glyphs = 0;
  const walk = async (node: DomNode, path: string): Promise<void> => {
    const here = node.nodeType === 1 ? `${path} > ${node.nodeName.toLowerCase()}` : path;
    if (node.nodeType === 1) {
      const { fonts } = (await cdp.send('CSS.getPlatformFontsForNode', { nodeId: node.nodeId })) as {
        fonts: { familyName: string; isCustomFont: boolean; glyphCount: number }[];
      };
      for (const f of fonts) {
        const key = `${f.familyName}${f.isCustomFont ? '' : ' (system font)'}`;
        used.set(key, [...(used.get(key) ?? []), here]);
        glyphs += f.glyphCount;
      }
    }
    for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? []), ...(node.pseudoElements ?? [])]) await walk(child, here);
  };
  await walk(root, '');
  expect(glyphs).toBeGreaterThan(500); // the walk saw the page's text
  const fonts = [...used.keys()];
  expect(fonts, [...used].map(([f, where]) => `${f}: ${where.slice(0, 3).join(', ')}`).join('\n')).toEqual(
    expect.arrayContaining(['Inter', 'JetBrains Mono']),
  );
  for (const font of fonts) expect(OWN_FONTS, `${font} used by ${used.get(font)!.slice(0, 3).join(', ')}`).toContain(font);

  // The canvas labels: the overlay drew them after the font had loaded (drawFaces gets the page's font).
  expect(await page.evaluate(() => document.fonts.check("12px 'Inter'"))).toBe(true);
});

test('the fonts come from the page\'s own server (npm package, emitted by Vite), never from elsewhere', async ({ page }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await openDemo(page);
  const origin = new URL(page.url()).origin;
  const fonts = requests.filter((u) => /\.woff2?(\?|$)/.test(u));
  expect(fonts.length).toBeGreaterThanOrEqual(2);
  for (const url of fonts) expect(url).toMatch(/@fontsource\/(inter|jetbrains-mono)\//);
  for (const url of requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:'))) expect(new URL(url).origin).toBe(origin);
});
