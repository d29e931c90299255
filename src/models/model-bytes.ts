import { ModelLoadError } from '../core/errors.ts';

/**
 * Cheap checks on model bytes before onnxruntime sees them, so that the common mistakes get a message that
 * names them: an empty file, or an HTML page (a dev server's fallback or an error page) served for the model.
 */
export function checkModelBytes(bytes: Uint8Array, source: string): void {
  if (bytes.length === 0) {
    throw new ModelLoadError(`The model ${source} is empty (0 bytes). Check the path or download it again.`);
  }
  // Skip a UTF-8 byte-order mark and white space, then look at the first character.
  let i = 0;
  while (i < bytes.length && i < 64 && [0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf].includes(bytes[i])) i++;
  const head = String.fromCharCode(bytes[i] ?? 0);
  if (head === '<') {
    throw new ModelLoadError(
      `The model ${source} is an HTML/XML document, not an ONNX model: the server answered with a page ` +
        `(often a 404 or a single-page-app fallback). Check the model URL.`,
    );
  }
  if (head === '{' || head === '[') {
    throw new ModelLoadError(`The model ${source} is JSON text, not an ONNX model. Check the model URL.`);
  }
}
