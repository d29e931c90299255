// The report of `npm run bench:peers`: the table (printed and in docs/benchmarks.md), the settings of each
// detector, the machine, the date and the commit; the picture beside it (docs/benchmarks.svg, see chart.ts).
import type { BenchResults, DetectorResult, Timing } from './results.ts';
import type { ByteCount } from './server.ts';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)}`;
const fixed = (v: number, digits = 0) => v.toFixed(digits);

function timingCell(t: Timing | { error: string } | undefined): string {
  if (!t) return '';
  if ('error' in t) return 'failed';
  return `${fixed(t.median)} (${fixed(t.p90)})`;
}

function bytesCell(bytes: ByteCount): string {
  const total = bytes.model + bytes.wasm + bytes.js + bytes.other;
  return `${mb(total)} MB (${mb(bytes.model)} / ${mb(bytes.wasm)} / ${mb(bytes.js)})`;
}

export interface TableRow {
  detector: string;
  ap: string;
  ms640: string;
  ms1280: string;
  threads: string;
  startup: string;
  bytes: string;
}

export const TABLE_HEADER: TableRow = {
  detector: 'detector',
  ap: 'easy / medium / hard AP',
  ms640: 'ms 640x480 median (p90)',
  ms1280: 'ms 1280x720 median (p90)',
  threads: 'threads',
  startup: 'start-up ms',
  bytes: 'bytes fetched (model / wasm / js)',
};

export function tableRows(results: BenchResults): TableRow[] {
  const byId = new Map(results.detectors.map((d) => [d.spec.id, d]));
  return results.detectors.map((d): TableRow => {
    if (d.notRun) return { detector: d.spec.label, ap: `not run: ${d.notRun}`, ms640: '', ms1280: '', threads: '', startup: '', bytes: '' };
    const timed: DetectorResult | undefined = d.spec.timedAs ? byId.get(d.spec.timedAs) : d;
    const same = d.spec.timedAs ? 'same as above' : undefined;
    const startup = timed?.startup;
    return {
      detector: d.spec.label,
      ap: d.ap ? `${fixed(d.ap.easy, 3)} / ${fixed(d.ap.medium, 3)} / ${fixed(d.ap.hard, 3)}` : 'missing',
      ms640: same ?? timingCell(timed?.speed?.['640x480']),
      ms1280: same ?? timingCell(timed?.speed?.['1280x720']),
      threads: timed?.threads === undefined || Number.isNaN(timed.threads) ? '' : String(timed.threads),
      startup: same ?? (!startup ? '' : 'error' in startup ? 'failed' : fixed(startup.median)),
      bytes: same ?? (!startup || 'error' in startup ? '' : bytesCell(startup.bytes)),
    };
  });
}

const COLUMNS = Object.keys(TABLE_HEADER) as (keyof TableRow)[];

export function markdownTable(rows: TableRow[]): string {
  const line = (r: TableRow) => `| ${COLUMNS.map((c) => r[c]).join(' | ')} |`;
  return [line(TABLE_HEADER), `|${COLUMNS.map((c) => (c === 'detector' || c === 'ap' ? '---' : '---:')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The table for a terminal: padded columns. */
export function textTable(rows: TableRow[]): string {
  const all = [TABLE_HEADER, ...rows];
  const widths = COLUMNS.map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => COLUMNS.map((c, i) => (i < 2 ? r[c].padEnd(widths[i]) : r[c].padStart(widths[i]))).join('  ').trimEnd()).join('\n');
}

function failures(results: BenchResults): string[] {
  const out: string[] = [];
  for (const d of results.detectors) {
    for (const [size, t] of Object.entries(d.speed ?? {})) if (t && 'error' in t) out.push(`- ${d.spec.label}, speed at ${size}: ${t.error}`);
    if (d.startup && 'error' in d.startup) out.push(`- ${d.spec.label}, start-up: ${d.startup.error}`);
  }
  return out;
}

export function markdownReport(results: BenchResults): string {
  const { info } = results;
  const settings = results.detectors.map((d) => {
    const runtime = d.runtime ? ` Runs on ${d.runtime}, ${d.threads === undefined || Number.isNaN(d.threads) ? '?' : d.threads} thread(s).` : '';
    return `- **${d.spec.label}** (\`${d.spec.id}\`): ${d.spec.settings}.${runtime}`;
  });
  const failed = failures(results);
  return `# Benchmarks: retinaface-web side by side with the peers

Written by \`npm run bench:peers\`${info.quick ? ' **--quick (a smoke run: few images and runs; these figures are not the real ones)**' : ''} on ${info.date.slice(0, 10)}, commit \`${info.commit}\`, in ${fixed(info.minutes, 1)} min.
Do not edit by hand: run it again (\`flock /tmp/bench.lock npm run bench:peers\`).

![hard AP against ms per 640x480 frame](benchmarks.svg)

${markdownTable(tableRows(results))}

- **AP**: WIDER FACE official protocol (${info.evaluation}) on the ${info.accuracyImages} validation images of
  \`../shared/testdata/wider-val-120\`, every detector at score ≥ ${info.accuracyScore} (or its lowest possible
  threshold, see its settings), each image decoded by \`createImageBitmap\` and given to the detector whole.
- **ms**: one \`detect\` call, from the decoded \`ImageBitmap\` to faces in the \`Face\` schema (a peer's own
  canvas/pixel conversion included), score ≥ ${info.speedScore}. ${info.warmup} warm-up + ${info.timed} timed calls per
  detector and frame size, interleaved round-robin (one call each in turn, the starting detector rotated every
  round) in one page, each detector in its own iframe; median and (p90). Frames: \`group-640x480.jpg\` and a
  1280x720 cut of \`vladmandic-sample1.jpg\` from \`../shared/testdata/photos\`.
- **start-up**: cold, in a fresh browser context each (no HTTP cache, no Cache Storage): from navigation start to
  the first result on the 640x480 frame (import + create + first detect; the frame's own fetch and decode left
  out), median of ${info.startupRuns} run(s), detectors in rotated order. **bytes**: everything the server sent
  for it but the test image, uncompressed, in MB (10⁶ bytes), split as model / wasm / js (the rest is HTML). OpenCV.js ships its
  wasm inside its js.
- **threads**: what each runtime reports it uses (onnxruntime-web \`numThreads\`, tfjs \`getThreadsCount()\`;
  OpenCV.js and MediaPipe's builds are single-threaded). Each detector runs with its own default threads.
- Everything is served from this machine (Vite production build, no minification pass, cross-origin isolated:
  COOP same-origin + COEP require-corp on every response, frames included). Requests to other hosts:
  ${info.externalRequests.length === 0 ? 'none' : info.externalRequests.join(', ')}.
${info.missingModels.length ? `- Not measured (not installed here): ${info.missingModels.join(', ')}.\n` : ''}${failed.length ? `\nFailures:\n${failed.join('\n')}\n` : ''}
## Settings of each detector

${settings.join('\n')}

## Machine

${info.cpu}, ${info.cores} cores, ${fixed(info.memoryGiB)} GiB; ${info.os}; Node ${info.node}; ${info.browser} (headless).
The machine is shared${info.loadAverage ? ` (load average ${fixed(info.loadAverage[0], 1)} at the start, ${fixed(info.loadAverage[1], 1)} at the end, on ${info.cores} cores)` : ''}: absolute figures move a lot between runs;
ratios within one run are steadier, since the interleaving spreads the load over all detectors alike.
`;
}
