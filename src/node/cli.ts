import { FaceDetectorError } from '../core/index.ts';
import type { Command } from './commands/command.ts';
import { convertCommand } from './commands/convert.ts';
import { detectCommand } from './commands/detect.ts';
import { evalCommand } from './commands/eval.ts';
import { infoCommand } from './commands/info.ts';
import { MissingDependencyError } from './missing-dependency.ts';
import { modelsCommand } from './commands/models.ts';

const COMMANDS: Record<string, Command> = {
  detect: detectCommand,
  convert: convertCommand,
  info: infoCommand,
  eval: evalCommand,
  models: modelsCommand,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return ['Usage: retinaface-web <command> [options]', '', 'Commands:', ...lines, '', 'Run `retinaface-web <command> --help` for its options.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // Typed errors and missing dependencies carry messages meant for people; anything else is a bug worth its stack.
    console.error(error instanceof FaceDetectorError || error instanceof MissingDependencyError ? `error: ${error.message}` : error);
    return 1;
  }
}
