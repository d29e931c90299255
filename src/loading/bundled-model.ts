/**
 * The default model shipped with the package. A literal `new URL(…, import.meta.url)` lets the app's bundler
 * (Vite, webpack 5, Rollup) emit the file with the app, so the default works with no set-up.
 */
export const bundledDefaultModelUrl = (): URL => new URL('../../public/models/retinaface-mnet025.onnx', import.meta.url);
