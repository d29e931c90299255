import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelLoadError, describeModel } from '../../../src/core/index.ts';
import { DEFAULT_MODEL_ID, findCatalogModel, type ModelSource } from '../../../src/models/catalog.ts';
import { installModel, type InstallOptions } from '../../../src/node/install/install-model.ts';
import { sessionModelIO } from '../../../src/runtime/face-session.ts';
import { run } from '../../support/cli.ts';
import { closedPortUrl, startModelServer, type ModelServer } from '../../support/model-server.ts';
import { writeZip } from '../../support/zip-writer.ts';
import { MNET, hasSharedModels, ort } from '../convert/fixtures.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const SETUP = fileURLToPath(new URL('../../../scripts/setup-models.mjs', import.meta.url));

const PINNED = findCatalogModel(DEFAULT_MODEL_ID)!.sha256!;
const R50 = findCatalogModel('retinaface-r50')!;
const R50_ZIP = R50.sources!.find((s) => s.kind === 'zip')!;

describe.skipIf(!hasSharedModels)('models install, against a local HTTP server', () => {
  const symbol = new Uint8Array(readFileSync(`${MNET}mnet.25-symbol.json`));
  const params = new Uint8Array(readFileSync(`${MNET}mnet.25-0000.params`));
  // A release-like archive of the real mnet.25 files, so that the conversion really runs.
  const zip = writeZip([
    { name: 'mnet.25-symbol.json', data: symbol, deflate: true },
    { name: 'mnet.25-0000.params', data: params },
  ]);
  // The same files under the ResNet-50 release's names, to install as retinaface-r50.
  const r50Zip = writeZip([
    { name: 'R50-symbol.json', data: symbol, deflate: true },
    { name: 'R50-0000.params', data: params, deflate: true },
  ]);
  const wrong = zip.slice();
  wrong[wrong.length - 100] ^= 1;

  let server: ModelServer;
  let offline: string;
  let root: string;
  let empty: string;
  beforeAll(async () => {
    server = await startModelServer({
      '/good.zip': { body: zip },
      '/r50/retinaface-R50.zip': { body: r50Zip },
      '/wrong.zip': { body: wrong },
      '/cut-always.zip': { body: zip, cuts: Infinity },
      '/cut-once.zip': { body: zip, cuts: 1 },
      '/cut-once-no-range.zip': { body: zip, cuts: 1, ranges: false },
      '/cut-three-times.zip': { body: zip, cuts: 3 },
      '/stall.zip': { body: zip, stall: true },
      '/mnet.25-0000.params': { body: params },
      '/mnet.25-symbol.json': { body: symbol },
      '/only-symbol.zip': { body: writeZip([{ name: 'mnet.25-symbol.json', data: symbol }]) },
    });
    offline = await closedPortUrl('/good.zip');
    root = mkdtempSync(join(tmpdir(), 'rfw-install-'));
    empty = join(root, 'no-shared');
    mkdirSync(empty);
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  let out: string;
  let cache: string;
  let lines: string[];
  beforeEach(() => {
    const dir = mkdtempSync(join(root, 'run-'));
    out = join(dir, 'public', 'models');
    cache = join(dir, 'cache');
    lines = [];
  });

  const zipSource = (path: string, body = zip): ModelSource => ({
    kind: 'zip',
    url: server.url(path),
    size: body.length,
    sha256: sha256(body),
    symbolEntry: 'mnet.25-symbol.json',
    paramsEntry: 'mnet.25-0000.params',
  });
  const install = (sources: ModelSource[], options: InstallOptions = {}, id = DEFAULT_MODEL_ID) =>
    installModel(id, { outDir: out, cacheDir: cache, sharedDir: empty, sources, log: (l) => lines.push(l), ...options });
  const failure = async (promise: Promise<unknown>): Promise<ModelLoadError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    return error as ModelLoadError;
  };
  const rangeRequests = (path: string) => server.requests.filter((r) => r.path === path).map((r) => r.headers.range ?? null);

  it('a good zip: downloaded with progress, checked, unpacked, converted into <out>/<catalog file> (the pinned default model)', async () => {
    const result = await install([zipSource('/good.zip')]);
    expect(result).toEqual({ path: join(out, 'retinaface-mnet025.onnx'), installed: true });
    expect(sha256(readFileSync(result.path))).toBe(PINNED);
    const mb = `${(zip.length / 1e6).toFixed(1)} MB`;
    expect(lines[0]).toMatch(new RegExp(`^good\\.zip: downloading ${mb} from http://127\\.0\\.0\\.1:\\d+/good\\.zip$`));
    expect(lines).toContain(`good.zip: ${mb} of ${mb} (100%)`);
    expect(lines).toContain(`good.zip: ${mb}, sha256 verified`);
    expect(lines).toContain('good.zip: extracted mnet.25-symbol.json and mnet.25-0000.params');
    expect(readdirSync(cache)).toEqual(['good.zip']); // kept, nothing partial, the unzip folder gone
    expect(readdirSync(out)).toEqual(['retinaface-mnet025.onnx']);

    // Already there: nothing to do. --force: reinstalled from the cache, without a new download.
    const requests = server.requests.length;
    expect(await install([zipSource('/good.zip')])).toMatchObject({ installed: false });
    expect(await install([zipSource('/good.zip')], { force: true })).toMatchObject({ installed: true });
    expect(server.requests.length).toBe(requests);
  });

  it('retinaface-r50 from its release zip lands at public/models/retinaface-r50.onnx, where the demo looks, and loads', async () => {
    const source: ModelSource = { ...R50_ZIP, url: server.url('/r50/retinaface-R50.zip'), size: r50Zip.length, sha256: sha256(r50Zip) };
    const { path } = await install([source], {}, 'retinaface-r50');
    expect(path).toBe(join(out, R50.file));
    expect(lines).toContain('retinaface-R50.zip: extracted R50-symbol.json and R50-0000.params');
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
    try {
      const d = describeModel(sessionModelIO(session));
      expect([d.family, d.channelOrder, d.inputSize]).toEqual(['insightface', 'BGR', null]);
    } finally {
      await session.release();
    }
  });

  it('params + symbol files (kind params) give the same model', async () => {
    const source: ModelSource = {
      kind: 'params',
      url: server.url('/mnet.25-0000.params'),
      size: params.length,
      sha256: sha256(params),
      symbol: { url: server.url('/mnet.25-symbol.json'), size: symbol.length, sha256: sha256(symbol) },
    };
    const { path } = await install([source]);
    expect(sha256(readFileSync(path))).toBe(PINNED);
  });

  it('a wrong sha256 is refused: the file is deleted and nothing is installed', async () => {
    const error = await failure(install([{ ...zipSource('/wrong.zip'), sha256: sha256(zip) }]));
    expect(error.message).toMatch(
      new RegExp(`wrong\\.zip is not the expected file: its sha256 is ${sha256(wrong)}, not ${sha256(zip)}\\. It was deleted`),
    );
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('a download cut every time (Content-Length larger than sent) is reported, its part kept to resume', async () => {
    const error = await failure(install([zipSource('/cut-always.zip')]));
    expect(error.message).toMatch(/The download of http:\/\/127\.0\.0\.1:\d+\/cut-always\.zip was cut after \d+ of \d+ bytes/);
    expect(error.message).toMatch(/3 times\. The part is kept in .*cut-always\.zip\.partial: run the command again to resume it/);
    // Each retry asked for the rest only.
    const ranges = rangeRequests('/cut-always.zip').slice(-3);
    expect(ranges[0]).toBeNull();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(readdirSync(cache)).toEqual(['cut-always.zip.partial']);
    expect(existsSync(join(out, 'retinaface-mnet025.onnx'))).toBe(false);
  });

  it('a cut download resumes with an HTTP Range request', async () => {
    const { path } = await install([zipSource('/cut-once.zip')]);
    expect(sha256(readFileSync(path))).toBe(PINNED);
    // The server sent half the file before closing; what reached the client is the resume point.
    const [first, second] = rangeRequests('/cut-once.zip');
    expect(first).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(zip.length / 2));
    expect(lines.some((l) => /cut after \d+ of \d+ bytes .*trying again/.test(l))).toBe(true);
    expect(lines).toContain(`cut-once.zip: resuming at ${(resumedAt / 1e6).toFixed(1)} MB`);
  });

  it('a server that ignores Range: the download starts over', async () => {
    const { path } = await install([zipSource('/cut-once-no-range.zip')]);
    expect(sha256(readFileSync(path))).toBe(PINNED);
    expect(lines).toContain('cut-once-no-range.zip: the server does not resume downloads; starting over');
  });

  it('running the command again after a failed run resumes from the kept part', async () => {
    await failure(install([zipSource('/cut-three-times.zip')]));
    const kept = readFileSync(join(cache, 'cut-three-times.zip.partial')).length;
    expect(kept).toBeGreaterThan(zip.length / 2);
    const { path } = await install([zipSource('/cut-three-times.zip')]);
    expect(sha256(readFileSync(path))).toBe(PINNED);
    expect(rangeRequests('/cut-three-times.zip').at(-1)).toBe(`bytes=${kept}-`);
  });

  it('a download that stalls is cut after the idle timeout, and resumed', async () => {
    const error = await failure(install([zipSource('/stall.zip')], { idleTimeoutMs: 300 }));
    expect(error.message).toMatch(/stall\.zip was cut after \d+ of \d+ bytes \(127\.0\.0\.1:\d+ sent nothing for 0\.3 s\), 3 times/);
    expect(rangeRequests('/stall.zip').slice(1).every((r) => /^bytes=\d+-$/.test(r ?? ''))).toBe(true);
  });

  it('404 and "offline" (connection refused) say so', async () => {
    const missing = await failure(install([zipSource('/nothing-here.zip')]));
    expect(missing.message).toMatch(/Downloading http:\/\/127\.0\.0\.1:\d+\/nothing-here\.zip failed: HTTP 404 Not Found/);
    const refused = await failure(install([{ ...zipSource('/good.zip'), url: offline }]));
    expect(refused.message).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine looks offline, or the host is blocked/);
    expect(refused.message).toMatch(/--from <file>/);
  });

  it('tries the sources in order: a failing first source, then a good one', async () => {
    const { path } = await install([zipSource('/nothing-here.zip'), zipSource('/good.zip')]);
    expect(sha256(readFileSync(path))).toBe(PINNED);
    expect(lines.some((l) => /^nothing-here\.zip did not work: .*HTTP 404/.test(l))).toBe(true);
  });

  it('--from a file the user has: checked against the sources and used without a download', async () => {
    const file = join(root, 'my-copy.zip');
    writeFileSync(file, zip);
    const requests = server.requests.length;
    const { path } = await install([{ ...zipSource('/good.zip'), url: offline }], { fromFile: file });
    expect(sha256(readFileSync(path))).toBe(PINNED);
    expect(server.requests.length).toBe(requests);
    writeFileSync(file, wrong);
    const error = await failure(install([zipSource('/good.zip')], { fromFile: file, force: true }));
    expect(error.message).toMatch(/my-copy\.zip is none of retinaface-mnet025's source files \(size and sha256 checked\): expected good\.zip \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
  });

  it('files in the shared folder are used before the network', async () => {
    const shared = join(root, 'shared');
    mkdirSync(join(shared, 'retinaface-mnet025'), { recursive: true });
    writeFileSync(join(shared, 'retinaface-mnet025', 'good.zip'), zip);
    const { path } = await install([{ ...zipSource('/good.zip'), url: offline.replace('/good.zip', '/x/good.zip') }], { sharedDir: shared });
    expect(sha256(readFileSync(path))).toBe(PINNED);
    expect(lines[0]).toMatch(/good\.zip: using the verified copy in /);
  });

  it('an archive without the params, a model without sources, an unknown id', async () => {
    const body = writeZip([{ name: 'mnet.25-symbol.json', data: symbol }]);
    const error = await failure(install([zipSource('/only-symbol.zip', body)]));
    expect(error.message).toMatch(/only-symbol\.zip has no mnet\.25-0000\.params \(it holds mnet\.25-symbol\.json\)/);
    expect((await failure(installModel('retinaface-mnet025-biubug6', { outDir: out }))).message).toMatch(/has no download source/);
    expect((await failure(installModel('nope', { outDir: out }))).message).toMatch(/Unknown model "nope"; known: retinaface-mnet025, /);
  });

  describe('the command line (exit codes and messages)', () => {
    const cli = (sources: ModelSource[], ...args: string[]) =>
      run(process.execPath, ['bin/retinaface-web.js', 'models', 'install', DEFAULT_MODEL_ID, '--out', out, '--cache', cache, ...args], {
        RETINAFACE_INSTALL_SOURCES: JSON.stringify(sources),
        RETINAFACE_SETUP_SHARED: empty,
      });

    it('installs with progress on stderr and says where; the source override is announced', async () => {
      const { code, stdout, stderr } = await cli([zipSource('/good.zip')]);
      expect(stdout).toBe('');
      expect(code).toBe(0);
      expect(stderr).toMatch(/^note: using the sources in RETINAFACE_INSTALL_SOURCES instead of the catalog's/);
      expect(stderr).toMatch(/good\.zip: (\d\.\d MB) of \1 \(100%\)/);
      expect(stderr).toContain(`installed retinaface-mnet025 at ${join(out, 'retinaface-mnet025.onnx')}`);
      expect(sha256(readFileSync(join(out, 'retinaface-mnet025.onnx')))).toBe(PINNED);
    });

    it('wrong hash, cut download, 404 and offline each exit 1 with their message', async () => {
      const cases: [ModelSource, RegExp][] = [
        [{ ...zipSource('/wrong.zip'), sha256: sha256(zip) }, /error: Could not install retinaface-mnet025\.\n {2}wrong\.zip: .*its sha256 is/],
        [zipSource('/cut-always.zip'), /was cut after \d+ of \d+ bytes/],
        [zipSource('/nothing-here.zip'), /HTTP 404 Not Found/],
        [{ ...zipSource('/good.zip'), url: offline }, /ECONNREFUSED\): this machine looks offline/],
      ];
      for (const [source, message] of cases) {
        const { code, stderr } = await cli([source]);
        expect(stderr).toMatch(message);
        expect(code).toBe(1);
      }
    });

    it('models list; bad usage', async () => {
      const list = await run(process.execPath, ['bin/retinaface-web.js', 'models', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain('retinaface-r50\n');
      expect(list.stdout).toContain(`source: zip, 109,631,292 bytes, ${R50_ZIP.url}`);
      const usage = await run(process.execPath, ['bin/retinaface-web.js', 'models']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('Usage: retinaface-web models list');
    });

    it('npm run setup -- --install <id> runs the same installer', async () => {
      const target = join(root, 'setup-target');
      const source: ModelSource = { ...R50_ZIP, url: server.url('/r50/retinaface-R50.zip'), size: r50Zip.length, sha256: sha256(r50Zip) };
      // Asynchronously: the server answers from this process.
      const setup = await run(process.execPath, [SETUP, '--install', 'retinaface-r50'], {
        RETINAFACE_SETUP_TARGET: target,
        RETINAFACE_SETUP_CACHE: cache,
        RETINAFACE_INSTALL_SOURCES: JSON.stringify([source]),
      });
      expect(setup.stderr).toContain(`installed retinaface-r50 at ${join(target, 'retinaface-r50.onnx')}`);
      expect(setup.code).toBe(0);
      expect(existsSync(join(target, 'retinaface-r50.onnx'))).toBe(true);
    });
  });
});
