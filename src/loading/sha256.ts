import { sha256 as sha256InJs } from '@noble/hashes/sha2.js';

/**
 * The SHA-256 of some bytes: `crypto.subtle` where the page has it (secure contexts), else a JavaScript
 * implementation (@noble/hashes), so that `integrity` works on a plain-http page too.
 */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return sha256InJs(bytes);
}

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
