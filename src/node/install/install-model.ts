import { copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from '../../core/index.ts';
import { MODEL_CATALOG, findCatalogModel, type CatalogModel, type DownloadFile, type ModelSource } from '../../models/catalog.ts';
import { convertCommand } from '../commands/convert.ts';
import { downloadName, downloadVerified, isVerified, sha256File } from './download.ts';
import { findZipEntry, listZipEntries, readZipEntry } from './zip-reader.ts';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const DEFAULT_INSTALL_DIRS = {
  /** Where the demo and the CLI look for models. */
  outDir: join(projectRoot, 'public', 'models'),
  /** Downloads (kept, so that a second install or a cut download needs no new transfer). */
  cacheDir: join(projectRoot, '.cache', 'models'),
  /** Read-only copies beside the checkout, searched by file name, size and sha256 before downloading. */
  sharedDir: join(projectRoot, '..', 'shared', 'models'),
};

export interface InstallOptions {
  /** Defaults to the project's `public/models/`. */
  outDir?: string;
  /** Defaults to the project's `.cache/models/`. */
  cacheDir?: string;
  /** Defaults to `../shared/models/` beside the project. */
  sharedDir?: string;
  /** Instead of the catalog's sources (tests; other mirrors). */
  sources?: readonly ModelSource[];
  /** A file the user already has (a source's zip, params or onnx): used instead of downloading it. */
  fromFile?: string;
  /** Reinstall even if the model file is already there. Defaults to false. */
  force?: boolean;
  /** Progress and notes. Defaults to stderr. */
  log?: (line: string) => void;
  /** A download that receives nothing for this long is cut (and resumed). Defaults to 60 s. */
  idleTimeoutMs?: number;
}

export interface InstallResult {
  path: string;
  /** False when the model was already installed. */
  installed: boolean;
}

/** A copy of `file` in the shared folder (any subfolder, same name), if it has the right size and sha256. */
async function sharedCopy(sharedDir: string, file: DownloadFile): Promise<string | null> {
  const name = downloadName(file.url);
  const dirs = await readdir(sharedDir, { withFileTypes: true }).catch(() => []);
  for (const dir of dirs) {
    const path = join(sharedDir, dir.name, name);
    if (dir.isDirectory() && existsSync(path) && (await isVerified(path, file))) return path;
  }
  return null;
}

interface Context {
  model: CatalogModel;
  cacheDir: string;
  sharedDir: string;
  /** The user's own file, with its size and sha256. */
  fromFile?: { path: string; size: number; sha256: string };
  log: (line: string) => void;
  idleTimeoutMs?: number;
}

/** `file` from the user's own copy, the shared folder, the cache or the network, verified. */
async function obtain(file: DownloadFile, ctx: Context): Promise<string> {
  const own = ctx.fromFile;
  if (own && own.size === file.size && own.sha256 === file.sha256) return own.path;
  const shared = await sharedCopy(ctx.sharedDir, file);
  if (shared) {
    ctx.log(`${basename(shared)}: using the verified copy in ${ctx.sharedDir}`);
    return shared;
  }
  return downloadVerified(file, { cacheDir: ctx.cacheDir, log: ctx.log, idleTimeoutMs: ctx.idleTimeoutMs });
}

/** Runs the project's converter on MXNet files, writing `out`. */
async function convert(symbol: string, params: string, out: string, ctx: Context): Promise<void> {
  const args = ['--symbol', symbol, '--params', params, '--out', out, ...(ctx.model.convertArgs ?? ['--bgr', '--dynamic'])];
  ctx.log(`converting with \`retinaface-web convert ${args.slice(6).join(' ')}\``);
  const code = await convertCommand.run(args);
  if (code !== 0) throw new ModelLoadError(`The converter stopped (exit ${code}) on ${basename(params)}.`);
}

/** Builds the model file at `out` from one source (atomically: the converter and the copy write beside it first). */
async function installFrom(source: ModelSource, out: string, ctx: Context): Promise<void> {
  const main = await obtain(source, ctx);
  if (source.kind === 'onnx') {
    await copyFile(main, `${out}.partial`);
    await rename(`${out}.partial`, out);
    return;
  }
  if (source.kind === 'params') {
    const symbol = await obtain(source.symbol, ctx);
    await convert(symbol, main, out, ctx);
    return;
  }
  // A zip: extract the two MXNet files under their own names (the converter records them in the model).
  const what = basename(main);
  const zip = new Uint8Array(await readFile(main));
  const entries = listZipEntries(zip, what);
  const work = await mkdtemp(join(ctx.cacheDir, 'unzip-'));
  try {
    const paths: string[] = [];
    for (const name of [source.symbolEntry, source.paramsEntry]) {
      const path = join(work, name);
      await writeFile(path, readZipEntry(zip, findZipEntry(entries, name, what), what));
      paths.push(path);
    }
    ctx.log(`${what}: extracted ${source.symbolEntry} and ${source.paramsEntry}`);
    await convert(paths[0], paths[1], out, ctx);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Installs a catalog model into `outDir/<its file>`: tries its sources in order (the user's file, the shared
 * folder, the download cache, then the network), checks size and sha256 of everything it downloads, converts
 * MXNet releases with the project's converter, and writes the model atomically. Throws `ModelLoadError` saying
 * what went wrong with each source.
 */
export async function installModel(id: string, options: InstallOptions = {}): Promise<InstallResult> {
  const model = findCatalogModel(id);
  if (!model) throw new ModelLoadError(`Unknown model "${id}"; known: ${MODEL_CATALOG.map((m) => m.id).join(', ')}.`);
  const log = options.log ?? ((line: string) => console.error(line));
  const outDir = options.outDir ?? DEFAULT_INSTALL_DIRS.outDir;
  const out = join(outDir, model.file);
  if (!options.force && existsSync(out) && (!model.sha256 || (await sha256File(out)) === model.sha256)) {
    return { path: out, installed: false };
  }
  const sources = options.sources ?? model.sources ?? [];
  if (sources.length === 0) {
    throw new ModelLoadError(
      `${id} has no download source; \`npm install\` puts it into public/models/ from ../shared/models when that is there ` +
        '(see the README, "Models").',
    );
  }
  const cacheDir = options.cacheDir ?? DEFAULT_INSTALL_DIRS.cacheDir;
  await mkdir(cacheDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  let ordered = sources;
  let fromFile: Context['fromFile'];
  if (options.fromFile) {
    const size = await stat(options.fromFile).then((st) => st.size, () => -1);
    if (size < 0) throw new ModelLoadError(`${options.fromFile} does not exist.`);
    fromFile = { path: options.fromFile, size, sha256: await sha256File(options.fromFile) };
    ordered = sources.filter((s) => s.size === size && s.sha256 === fromFile!.sha256);
    if (ordered.length === 0) {
      throw new ModelLoadError(
        `${options.fromFile} is none of ${id}'s source files (size and sha256 checked): expected ` +
          sources.map((s) => `${downloadName(s.url)} (${s.size} bytes, sha256 ${s.sha256})`).join(' or ') + '.',
      );
    }
  }
  const ctx: Context = { model, cacheDir, sharedDir: options.sharedDir ?? DEFAULT_INSTALL_DIRS.sharedDir, fromFile, log, idleTimeoutMs: options.idleTimeoutMs };
  const problems: string[] = [];
  for (const source of ordered) {
    try {
      await installFrom(source, out, ctx);
      if (model.sha256) {
        const got = await sha256File(out);
        if (got !== model.sha256) log(`note: ${model.file} has sha256 ${got}, not the catalog's ${model.sha256} (a different converter version?)`);
      }
      return { path: out, installed: true };
    } catch (error) {
      await rm(`${out}.partial`, { force: true });
      if (!(error instanceof ModelLoadError)) throw error;
      problems.push(`${downloadName(source.url)}: ${error.message}`);
      if (ordered.length > 1) log(`${downloadName(source.url)} did not work: ${error.message}`);
    }
  }
  throw new ModelLoadError(
    `Could not install ${id}.\n  ${problems.join('\n  ')}\n` +
      `If this machine is offline, download a source file elsewhere and pass it with --from <file>.`,
  );
}
