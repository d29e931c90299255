import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from './paths.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with the project root as working directory; resolves when it exits. */
export function run(command: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** `node bin/retinaface-web.js <args>` from the project root. */
export const cli = (...args: string[]): Promise<CliResult> => run(process.execPath, ['bin/retinaface-web.js', ...args]);

/** One image's entry of the CLI's JSON output. */
export interface CliImage {
  file: string;
  width: number;
  height: number;
  faces: { box: { x: number; y: number; width: number; height: number }; score: number; landmarks: [number, number][] }[];
}
