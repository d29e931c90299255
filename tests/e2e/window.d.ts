// What the harness page (harness.html) puts on window.
interface Window {
  rfw: typeof import('../../src/index.ts');
  harnessReady?: boolean;
}
