// What one run of `npm run bench:peers` measured: written to .cache/bench-peers/results.json, read by the report.
import type { DetectorSpec } from './detectors.ts';
import type { ByteCount } from './server.ts';

export const SPEED_SIZES = ['640x480', '1280x720'] as const;
export type SpeedSize = (typeof SPEED_SIZES)[number];

export interface Timing {
  median: number;
  p90: number;
  /** Timed calls. */
  runs: number;
  /** Faces found on the frame (score ≥ the speed threshold). */
  faces: number;
}

export interface WiderAp {
  easy: number;
  medium: number;
  hard: number;
}

export interface DetectorResult {
  spec: DetectorSpec;
  /** Why it could not run, when it could not. */
  notRun?: string;
  runtime?: string;
  threads?: number;
  crossOriginIsolated?: boolean;
  /** Official-protocol AP on the evaluated images; null when no evaluation could be made. */
  ap?: WiderAp | null;
  speed?: Partial<Record<SpeedSize, Timing | { error: string }>>;
  startup?: { median: number; runs: number[]; bytes: ByteCount; faces: number } | { error: string };
}

export interface RunInfo {
  date: string;
  commit: string;
  quick: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  browser: string;
  accuracyImages: number;
  accuracyScore: number;
  speedScore: number;
  warmup: number;
  timed: number;
  startupRuns: number;
  /** Requests the pages made to any host but the local server (the run is offline: should be none). */
  externalRequests: string[];
  /** How AP was computed, or why it is missing. */
  evaluation: string;
  /** Known models that are not installed here, so not measured. */
  missingModels: string[];
  minutes: number;
  /** 1-minute load average at the start and the end of the run (others' work on the shared machine shows here). */
  loadAverage?: [number, number];
}

export interface BenchResults {
  info: RunInfo;
  detectors: DetectorResult[];
}

/** Median and 90th percentile (nearest rank) of timings in ms. */
export function summarize(times: number[]): { median: number; p90: number } {
  const s = [...times].sort((a, b) => a - b);
  const rank = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, p90: rank(0.9) };
}
