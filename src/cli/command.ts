import type { parseArgs, ParseArgsConfig } from "node:util";
import type { AnyProvider } from "../provider/define-provider.js";
import type { CliIo } from "./io.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags every command accepts beside its own. */
export const commonFlags = { provider: { type: "string" }, help: { type: "boolean", short: "h" } } as const satisfies Options;

type Config<O extends Options> = { args: string[]; options: O & typeof commonFlags; allowPositionals: true; strict: true };

/** A command's parsed arguments, with `--provider` resolved. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>> & { provider: AnyProvider };

/**
 * One CLI command: its name, a summary for the command list, its `--help`, its flags, and `run`
 * (resolves with the exit code). main.ts parses the flags and answers `--help` before `run`.
 */
export interface Command<O extends Options = Options> {
  name: string;
  summary: string;
  help: string;
  options: O;
  run(parsed: Parsed<O>, io: CliIo): Promise<number>;
}

/** Keeps a command's own flag types for its `run`. */
export const defineCommand = <O extends Options>(command: Command<O>): Command<O> => command;
