import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/core/index.ts';
import { findZipEntry, listZipEntries, readZipEntry } from '../../../src/node/install/zip-reader.ts';
import { writeZip } from '../../support/zip-writer.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('zip reader (stored and deflated entries)', () => {
  it("reads an archive written by Python's zipfile: a stored entry, a deflated one in a folder, a comment", () => {
    // tests/fixtures/zip/python-zipfile.zip: zipfile.ZipFile.writestr of 'a.txt' (ZIP_STORED) and 'dir/b.bin'
    // (ZIP_DEFLATED, bytes (i·7 + i // 13) mod 256 for i < 3000), with an archive comment.
    const zip = new Uint8Array(readFileSync(new URL('../../fixtures/zip/python-zipfile.zip', import.meta.url)));
    const entries = listZipEntries(zip);
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['a.txt', 0, 20],
      ['dir/b.bin', 8, 3000],
    ]);
    expect(text(readZipEntry(zip, entries[0]))).toBe('hello, stored entry\n');
    const b = readZipEntry(zip, findZipEntry(entries, 'b.bin'));
    expect(sha256(b)).toBe('d00958c245c86d772947cfa7146da1f34885bf44377ab0fc9032050b664b0610');
    expect(b.every((v, i) => v === (i * 7 + Math.floor(i / 13)) % 256)).toBe(true);
  });

  it('round-trips the test writer, 1.7 MB deflated and stored', () => {
    const big = new Uint8Array(1_700_000).map((_, i) => (i * 2654435761) >>> 24);
    const zip = writeZip([
      { name: 'x/params', data: big, deflate: true },
      { name: 'symbol.json', data: new TextEncoder().encode('{"nodes": []}') },
    ]);
    const entries = listZipEntries(zip);
    const params = readZipEntry(zip, findZipEntry(entries, 'params'));
    expect(params).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(params, big)).toBe(0);
    expect(text(readZipEntry(zip, findZipEntry(entries, 'symbol.json')))).toBe('{"nodes": []}');
  });

  it('refuses damaged archives with ModelLoadError naming what is wrong', () => {
    const data = new TextEncoder().encode('some model bytes '.repeat(100));
    const zip = writeZip([{ name: 'm.params', data, deflate: true }]);
    const fails = (f: () => unknown, message: RegExp) => {
      expect(f).toThrow(ModelLoadError);
      expect(f).toThrow(message);
    };
    fails(() => listZipEntries(zip.subarray(0, zip.length - 30), 'cut.zip'), /cut.zip is not a readable zip archive: no end-of-central-directory record/);
    fails(() => listZipEntries(new TextEncoder().encode('<html>not found</html>'), 'page.zip'), /no end-of-central-directory/);
    const entries = listZipEntries(zip);
    const flipped = zip.slice();
    flipped[40] ^= 0xff; // inside the deflated data
    fails(() => readZipEntry(flipped, entries[0], 'bad.zip'), /Cannot extract m\.params from bad\.zip: (its deflated data is damaged|it inflates to|its CRC-32)/);
    const stored = writeZip([{ name: 'm.params', data }]);
    const storedFlipped = stored.slice();
    storedFlipped[100] ^= 1;
    fails(() => readZipEntry(storedFlipped, listZipEntries(storedFlipped)[0]), /its CRC-32 does not match/);
    fails(() => findZipEntry(entries, 'R50-0000.params', 'r50.zip'), /r50\.zip has no R50-0000\.params \(it holds m\.params\)/);
  });
});
