import { expect, test, type Page } from '@playwright/test';
import { openDemo } from './demo-helpers.ts';
import { sharedFile } from './helpers.ts';

// A clone in which the model setup did not run: public/models/retinaface-mnet025.onnx is not there. The route
// stands in for the missing file, the two ways servers answer for one: a 404, or (Vite's dev server, single-page
// app hosts) their index.html with status 200.
const MISSING = {
  '404': { status: 404, contentType: 'text/plain', body: 'Not Found' },
  'index.html fallback': { status: 200, contentType: 'text/html', body: '<!doctype html><html><body>app</body></html>' },
};

async function withoutDefaultModel(page: Page, answer: (typeof MISSING)[keyof typeof MISSING]): Promise<void> {
  await page.route('**/models/retinaface-mnet025.onnx', (route) => route.fulfill(answer));
}

for (const [how, answer] of Object.entries(MISSING)) {
  test(`the default model is not installed (${how}): the page says which file is missing and how to install it`, async ({ page }) => {
    await withoutDefaultModel(page, answer);
    await openDemo(page, '', 'error');
    const notice = page.locator('.notice[data-kind="model-load"]');
    await expect(notice).toHaveAttribute('role', 'alert');
    await expect(notice.locator('strong')).toHaveText('The default model (MobileNet-0.25) is not installed.');
    await expect(notice).toContainText('Its file public/models/retinaface-mnet025.onnx is missing.');
    await expect(notice).toContainText('`npm install` runs the model setup (scripts/setup-models.mjs), then reload this page.');
    // Not the library's message about a URL the user never typed.
    await expect(notice).not.toContainText('HTML page');
    await expect(notice).not.toContainText('Check the model URL');
    await expect(page.locator('#status-text')).toHaveText('No model loaded');
    // The note under the picker agrees, and the notice's link opens the install help.
    await expect(page.locator('#model-note')).toContainText('Not installed: MobileNet-0.25 (default)');
    await notice.getByRole('link', { name: 'Installing models' }).click();
    await expect(page.locator('#models-help')).toHaveAttribute('open', '');

    // The other installed model still works from the picker.
    await page.getByLabel('Model', { exact: true }).selectOption('retinaface-mnet025-biubug6');
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(notice).toHaveCount(0);
    await page.getByLabel('Open a JPEG or PNG image, or a video').setInputFiles(sharedFile('testdata/photos/vladmandic-sample5.jpg'));
    await expect(page.locator('#face-total')).toHaveText(/^[1-9]\d*$/);
  });
}

test('a model URL the user typed that fails keeps the library\'s reason (it is not called "not installed")', async ({ page }) => {
  await openDemo(page, 'model=/models/typed-by-hand.onnx', 'error');
  const notice = page.locator('.notice[data-kind="model-load"]');
  await expect(notice.locator('strong')).toHaveText('The model failed to load.');
  await expect(notice).toContainText(/ModelLoadError: .*typed-by-hand\.onnx/);
});
