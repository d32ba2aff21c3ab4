import type { CliIo } from "./io.js";

/** One CLI command: its name, a summary for the command list, its `--help`, and `run` (resolves with the exit code). */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}
