import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../core/index.ts';
import { MODEL_CATALOG, type ModelSource } from '../../models/catalog.ts';
import { DEFAULT_INSTALL_DIRS, installModel } from '../install/install-model.ts';
import type { Command } from './command.ts';

const HELP = `Usage: retinaface-web models list
       retinaface-web models install <id> [--out <dir>] [--cache <dir>] [--from <file>] [--force]

list      the known models, whether each is installed in public/models/, and where it can be downloaded from
install   downloads a model's release (size and sha256 checked; a cut download resumes), converts MXNet
          releases with the project's converter, and puts the model into public/models/ where the demo and
          the CLI find it. Needs the network, unless the files are in ../shared/models, the download cache,
          or given with --from.

Options:
  --out <dir>     where the model goes (default: the project's public/models/)
  --cache <dir>   where downloads are kept (default: the project's .cache/models/)
  --from <file>   a source file you already have (e.g. retinaface-R50.zip): checked and used, nothing downloaded
  --force         reinstall even if the model is already there
  -h, --help      show this help

Environment: RETINAFACE_INSTALL_SOURCES (a JSON list of sources replacing the catalog's; for tests and mirrors),
RETINAFACE_SETUP_SHARED (the shared models folder, default ../shared/models).`;

/** Test or mirror sources from the environment; said out loud, never silent. */
function sourcesFromEnvironment(): ModelSource[] | undefined {
  const text = process.env.RETINAFACE_INSTALL_SOURCES;
  if (!text) return undefined;
  let sources: unknown;
  try {
    sources = JSON.parse(text);
  } catch {
    throw new InvalidInputError('RETINAFACE_INSTALL_SOURCES is not JSON: it takes a list of sources like the catalog’s.');
  }
  if (!Array.isArray(sources) || sources.some((s) => typeof s?.url !== 'string' || !['zip', 'params', 'onnx'].includes(s?.kind))) {
    throw new InvalidInputError('RETINAFACE_INSTALL_SOURCES must be a JSON list of {kind: zip|params|onnx, url, size, sha256, …}.');
  }
  console.error(`note: using the sources in RETINAFACE_INSTALL_SOURCES instead of the catalog's (${sources.map((s) => s.url).join(', ')})`);
  return sources as ModelSource[];
}

function list(): number {
  for (const m of MODEL_CATALOG) {
    const path = join(DEFAULT_INSTALL_DIRS.outDir, m.file);
    const state = existsSync(path) ? `installed (${relative(process.cwd(), path) || path})` : 'not installed';
    console.log(`${m.id}\n  ${m.title}\n  ${state}`);
    for (const s of m.sources ?? []) console.log(`  source: ${s.kind}, ${s.size.toLocaleString('en-US')} bytes, ${s.url}`);
    if (!m.sources?.length) console.log('  source: none to download (npm install copies it from ../shared/models)');
  }
  return 0;
}

export const modelsCommand: Command = {
  summary: 'list the known models; install one (download, check, convert) into public/models/',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        cache: { type: 'string' },
        from: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, id, ...extra] = positionals;
    if (action === 'list' && !id) return list();
    if (action !== 'install' || !id || extra.length > 0) {
      console.error(HELP);
      return 2;
    }
    const result = await installModel(id, {
      outDir: values.out,
      cacheDir: values.cache,
      sharedDir: process.env.RETINAFACE_SETUP_SHARED,
      fromFile: values.from,
      force: values.force ?? false,
      sources: sourcesFromEnvironment(),
    });
    console.error(result.installed ? `installed ${id} at ${result.path}` : `${id} is already installed at ${result.path} (--force reinstalls it)`);
    return 0;
  },
};
