import { crc32, inflateRawSync } from 'node:zlib';
import { ModelLoadError } from '../../core/index.ts';

/** One file in a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated; nothing else is read. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Where its local header starts. */
  offset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * The entries of a zip archive (PKWARE APPNOTE: end-of-central-directory record → central directory). Only what
 * model releases use: stored or deflated entries, no encryption, no ZIP64 (archives under 4 GiB).
 */
export function listZipEntries(zip: Uint8Array, what = 'the archive'): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const fail = (why: string): never => {
    throw new ModelLoadError(`${what} is not a readable zip archive: ${why}.`);
  };
  // The record is 22 bytes plus a comment of up to 65535 bytes, at the very end.
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 0xffff); p--) {
    if (view.getUint32(p, true) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record (truncated, or not a zip)');
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) fail('ZIP64 archives are not supported');
  if (directoryOffset + directorySize > eocd) fail('the central directory lies outside the file');

  const entries: ZipEntry[] = [];
  let p = directoryOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > eocd || view.getUint32(p, true) !== CENTRAL) fail(`central directory entry ${k} is damaged`);
    const flags = view.getUint16(p + 8, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength));
    if (flags & 1) fail(`${name} is encrypted`);
    entries.push({
      name,
      method: view.getUint16(p + 10, true),
      crc32: view.getUint32(p + 16, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      offset: view.getUint32(p + 42, true),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An entry's bytes, inflated if deflated, with its size and CRC-32 checked. */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry, what = 'the archive'): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const fail = (why: string): never => {
    throw new ModelLoadError(`Cannot extract ${entry.name} from ${what}: ${why}.`);
  };
  if (entry.offset + 30 > zip.length || view.getUint32(entry.offset, true) !== LOCAL) fail('its local header is missing');
  // The local header's name and extra field lengths may differ from the central directory's.
  const start = entry.offset + 30 + view.getUint16(entry.offset + 26, true) + view.getUint16(entry.offset + 28, true);
  if (start + entry.compressedSize > zip.length) fail('the archive ends inside it (truncated)');
  const stored = zip.subarray(start, start + entry.compressedSize);
  let bytes: Uint8Array;
  if (entry.method === 0) {
    bytes = stored;
  } else if (entry.method === 8) {
    try {
      const inflated = inflateRawSync(stored);
      bytes = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
    } catch (cause) {
      return fail(`its deflated data is damaged (${(cause as Error).message})`);
    }
  } else {
    return fail(`compression method ${entry.method} is not supported (only stored and deflated)`);
  }
  if (bytes.length !== entry.size) fail(`it inflates to ${bytes.length} bytes, not ${entry.size}`);
  if (crc32(bytes) >>> 0 !== entry.crc32) fail('its CRC-32 does not match');
  return bytes;
}

/** The entry whose file name (the part after the last `/`) is `name`. */
export function findZipEntry(entries: readonly ZipEntry[], name: string, what = 'the archive'): ZipEntry {
  const entry = entries.find((e) => e.name === name || e.name.endsWith(`/${name}`));
  if (!entry) {
    throw new ModelLoadError(`${what} has no ${name} (it holds ${entries.map((e) => e.name).join(', ') || 'nothing'}).`);
  }
  return entry;
}
