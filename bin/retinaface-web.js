#!/usr/bin/env node
// In a checkout the CLI runs from its TypeScript sources through tsx; an installed package runs dist/.
import { existsSync } from 'node:fs';

const source = new URL('../src/node/cli.ts', import.meta.url);
const useSource = existsSync(source);
if (useSource) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(useSource ? source.href : new URL('../dist/node/cli.js', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
