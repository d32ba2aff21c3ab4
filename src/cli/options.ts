import { parseArgs } from "node:util";
import type { AnyProvider } from "../provider/define-provider.js";
import { CliError } from "./cli-error.js";
import { commonFlags, type Command, type Options, type Parsed } from "./command.js";
import type { CliIo } from "./io.js";
import { loadProvider } from "./providers.js";

/** `node:util` parseArgs, strict (its errors become usage errors naming the command), and `--provider` resolved. */
export async function parseCommand<O extends Options>(command: Command<O>, args: string[]): Promise<Parsed<O>> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...command.options, ...commonFlags }, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ".");
    throw new CliError(`${command.name}: ${message} (see \`agentref-webhooks ${command.name} --help\`)`);
  }
  const provider = await loadProvider((parsed.values as { provider?: string }).provider ?? "agentref");
  return { ...parsed, provider } as Parsed<O>;
}

/** The one event type a command takes as its argument (or one of `also`), else a usage error. */
export function eventTypeArg(command: string, positionals: string[], provider: AnyProvider, also: string[] = []): string {
  const [type, ...extra] = positionals;
  if (type === undefined) {
    throw new CliError(`${command}: which event type? e.g. agentref-webhooks ${command} ${provider.types[0]} (list them with \`agentref-webhooks events\`)`);
  }
  if (extra.length > 0) throw new CliError(`${command}: unexpected argument ${JSON.stringify(extra[0])}; ${command} takes one event type.`);
  if (!provider.has(type) && !also.includes(type)) {
    const known = [...provider.types, ...also].join(", ");
    throw new CliError(`${command}: ${JSON.stringify(type)} is not an event type of ${provider.name} (known: ${known}).`);
  }
  return type;
}

/** A whole number option within bounds, or a usage error. */
export function intOption(name: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new CliError(`${name} must be a whole number, got ${JSON.stringify(text)}.`);
  const value = Number(text);
  if (value < min || value > max) throw new CliError(`${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

/** A non-negative number option (decimals allowed), or a usage error. */
export function numberOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) throw new CliError(`${name} must be a number >= 0, got ${JSON.stringify(text)}.`);
  return value;
}

/** `--headers svix|webhook`, or a usage error. */
export function headerNamesOption(text: string | undefined): "svix" | "webhook" | undefined {
  if (text === undefined || text === "svix" || text === "webhook") return text;
  throw new CliError(`--headers must be svix or webhook, got ${JSON.stringify(text)}.`);
}

/** Every `--secret`, else `<PROVIDER>_WEBHOOK_SECRET` (out of shell history), else a usage error. */
export function secretsFrom(values: string[] | undefined, provider: AnyProvider, io: CliIo): string[] {
  if (values && values.length > 0) return values;
  const variable = `${provider.name.toUpperCase().replaceAll(/[^A-Z0-9]/g, "_")}_WEBHOOK_SECRET`;
  const fromEnv = io.env[variable];
  if (fromEnv) return [fromEnv];
  throw new CliError(`--secret is required (or set ${variable}).`);
}

/** An http(s) URL option, or a usage error that shows how to write one. */
export function urlOption(command: string, name: string, text: string | undefined): string {
  const example = "http://127.0.0.1:3000/webhooks/agentref";
  if (text === undefined) throw new CliError(`${command}: ${name} is required, e.g. ${name} ${example}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${name} ${JSON.stringify(text)} is not a URL; write it in full, e.g. ${example}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`${name} must be http:// or https://, got ${url.protocol}`);
  return url.href;
}
