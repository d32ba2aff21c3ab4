import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
// Bundled into dist/cli.js at build time (only this field).
import { version } from "../../package.json";
import { CliError } from "./cli-error.js";
import type { Command } from "./command.js";
import { eventsCommand } from "./commands/events.js";
import { replayCommand } from "./commands/replay.js";
import { schemaCommand } from "./commands/schema.js";
import { sendCommand } from "./commands/send.js";
import { signCommand } from "./commands/sign.js";
import { verifyCommand } from "./commands/verify.js";
import type { CliIo } from "./io.js";
import { table } from "./format.js";
import { parseCommand } from "./options.js";

// `any`: each command's run takes its own flags.
const commands: readonly Command<any>[] = [sendCommand, signCommand, verifyCommand, replayCommand, eventsCommand, schemaCommand];

const usage = (): string =>
  `Usage: agentref-webhooks <command> [options]

Test AgentRef webhook receivers from a terminal: send signed test deliveries, sign a
body for curl, diagnose a captured delivery, replay parked deliveries, browse the
event catalog.

Commands:
${table(commands.map((c) => [`  ${c.name}`, c.summary])).join("\n")}

Options:
  -h, --help      help (also after a command: agentref-webhooks send --help)
  -v, --version   the version

Other providers: --provider agentsync | agiled | agentsend on every command.`;

/** Runs the CLI with `args` and resolves with the exit code (0, 1 failed, 2 bad arguments); never throws. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    io.stderr.write(`${usage()}\n`);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${commands.find((c) => c.name === rest[0])?.help ?? usage()}\n`);
    return 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${version}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`error: unknown command ${JSON.stringify(name)} (commands: ${commands.map((c) => c.name).join(", ")}; see agentref-webhooks --help)\n`);
    return 2;
  }
  try {
    const parsed = await parseCommand(command, rest);
    if (!(parsed.values as { help?: boolean }).help) return await command.run(parsed, io);
    io.stdout.write(`${command.help}\n`);
    return 0;
  } catch (err) {
    const known = err instanceof CliError;
    io.stderr.write(`error: ${known ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
    return known ? err.exitCode : 1;
  }
}

function isEntry(): boolean {
  try {
    // npm's bin is a symlink to dist/cli.js: compare real paths (without an argv[1], realpathSync throws).
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1]!)).href;
  } catch {
    return false;
  }
}

// Run when executed (bin, node, tsx), not when imported by a test.
if (isEntry()) {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
  runCli(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
