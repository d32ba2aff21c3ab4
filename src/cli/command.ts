import type { CliIo } from "./io.js";

/**
 * One CLI command: its name, a one-line summary for the command list, its `--help`
 * text, and `run`, which resolves with the exit code.
 *
 * @example
 * export const eventsCommand: Command = { name: "events", summary: "list event types", help: "…", run: async () => 0 };
 */
export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}
