import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelLoadError } from '../../core/index.ts';
import type { DownloadFile } from '../../models/catalog.ts';

export interface DownloadOptions {
  /** Where downloads are kept: `<dir>/<name>` once verified, `<dir>/<name>.partial` while incomplete. */
  cacheDir: string;
  /** Progress and notes, one line each. */
  log: (line: string) => void;
  /** How often a cut download is resumed within one run before giving up. Defaults to 3. */
  attempts?: number;
  /** A download that receives nothing for this long is cut. Defaults to 60 s. */
  idleTimeoutMs?: number;
}

/** The file name a download is kept under: the last segment of the URL's path. */
export const downloadName = (url: string): string => decodeURIComponent(basename(new URL(url).pathname)) || 'download';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const megabytes = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const fileSize = (path: string) => stat(path).then((s) => (s.isFile() ? s.size : -1), () => -1);

/** Whether `path` is exactly `file` (size first, then sha256). */
export async function isVerified(path: string, file: DownloadFile): Promise<boolean> {
  return (await fileSize(path)) === file.size && (await sha256File(path)) === file.sha256;
}

/** Why a request failed, in words a user can act on. */
function networkProblem(url: string, error: unknown, stalledMs?: number): string {
  if (stalledMs !== undefined) return `${new URL(url).host} sent nothing for ${stalledMs / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code ?? '';
  const host = new URL(url).host;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/.test(code)) {
    return `cannot reach ${host} (${code}): this machine looks offline, or the host is blocked. \`models install\` needs the network`;
  }
  return `${host}: ${cause?.message ?? (error as Error)?.message ?? String(error)}${code ? ` (${code})` : ''}`;
}

class CutDownload extends Error {}

/**
 * One request: resumes `partial` from its current size with an HTTP Range request when the server honours it
 * (206), else starts over (200). Throws `CutDownload` when the body ends early or stalls.
 */
async function fetchInto(file: DownloadFile, partial: string, options: DownloadOptions, name: string): Promise<void> {
  let have = Math.max(0, await fileSize(partial));
  if (have > file.size) {
    await rm(partial, { force: true });
    have = 0;
  }
  const controller = new AbortController();
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let idle = setTimeout(() => controller.abort(), idleMs);
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  let response: Response;
  try {
    response = await fetch(file.url, { headers, signal: controller.signal, redirect: 'follow' });
  } catch (error) {
    clearTimeout(idle);
    const stalled = controller.signal.aborted ? idleMs : undefined;
    throw new ModelLoadError(`Downloading ${file.url} failed: ${networkProblem(file.url, error, stalled)}.`, { cause: error });
  }
  if (response.status === 416) {
    // The server will not serve from there (a stale partial file): start over next time.
    clearTimeout(idle);
    await rm(partial, { force: true });
    throw new CutDownload('the server refused to resume; starting over');
  }
  if (!response.ok) {
    clearTimeout(idle);
    throw new ModelLoadError(`Downloading ${file.url} failed: HTTP ${response.status} ${response.statusText}.`);
  }
  const resumed = response.status === 206 && new RegExp(`^bytes ${have}-`).test(response.headers.get('content-range') ?? '');
  if (have > 0) options.log(resumed ? `${name}: resuming at ${megabytes(have)}` : `${name}: the server does not resume downloads; starting over`);
  if (!resumed) have = 0;

  await mkdir(options.cacheDir, { recursive: true });
  const out = await open(partial, resumed ? 'a' : 'w');
  let received = have;
  let reported = Math.floor((10 * have) / file.size);
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(), idleMs);
      if (received + chunk.length > file.size) {
        throw new ModelLoadError(`${file.url} sends more than the expected ${file.size} bytes: not the release file.`);
      }
      await out.write(chunk);
      received += chunk.length;
      const tenth = Math.floor((10 * received) / file.size);
      if (tenth > reported) {
        reported = tenth;
        options.log(`${name}: ${megabytes(received)} of ${megabytes(file.size)} (${Math.floor((100 * received) / file.size)}%)`);
      }
    }
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    const stalled = controller.signal.aborted ? idleMs : undefined;
    throw new CutDownload(`cut after ${received} of ${file.size} bytes (${networkProblem(file.url, error, stalled)})`);
  } finally {
    clearTimeout(idle);
    await out.close();
  }
  if (received < file.size) throw new CutDownload(`cut after ${received} of ${file.size} bytes (the server closed the connection)`);
}

/**
 * Downloads `file` into the cache (or finds it there, already verified) and checks its size and sha256. A cut
 * download is resumed (HTTP Range) up to `attempts` times, and its part is kept so that running again resumes it;
 * a file with the wrong sha256 is deleted. Returns the verified file's path.
 */
export async function downloadVerified(file: DownloadFile, options: DownloadOptions): Promise<string> {
  const name = downloadName(file.url);
  const target = join(options.cacheDir, name);
  if (await isVerified(target, file)) return target;
  const partial = `${target}.partial`;
  const attempts = options.attempts ?? 3;
  options.log(`${name}: downloading ${megabytes(file.size)} from ${file.url}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await fetchInto(file, partial, options, name);
      break;
    } catch (error) {
      if (!(error instanceof CutDownload)) throw error;
      if (attempt >= attempts) {
        throw new ModelLoadError(
          `The download of ${file.url} was ${error.message}, ${attempts} times. The part is kept in ${partial}: ` +
            'run the command again to resume it.',
          { cause: error },
        );
      }
      options.log(`${name}: ${error.message}; trying again`);
    }
  }
  const got = await sha256File(partial);
  if (got !== file.sha256) {
    await rm(partial, { force: true });
    throw new ModelLoadError(
      `${file.url} is not the expected file: its sha256 is ${got}, not ${file.sha256}. It was deleted; ` +
        'the address may now serve something else.',
    );
  }
  await rename(partial, target);
  options.log(`${name}: ${megabytes(file.size)}, sha256 verified`);
  return target;
}
