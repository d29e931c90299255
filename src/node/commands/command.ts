/** A subcommand of the CLI: gets its own arguments, returns the exit code. */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}
