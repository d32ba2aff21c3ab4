import { readFile } from "node:fs/promises";
import { CliError } from "./cli-error.js";

/**
 * Where a command reads and writes: the process's streams, or fakes in tests.
 *
 * @example
 * const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
 */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: AsyncIterable<Uint8Array | string> & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/**
 * Reads all of stdin as bytes. Refuses an interactive terminal, where it would wait forever.
 *
 * @example
 * const body = await readStdin(io, "the body to sign");
 */
export async function readStdin(io: CliIo, what: string): Promise<Buffer> {
  if (io.stdin.isTTY) throw new CliError(`${what} is read from stdin: pipe it in (e.g. \`< body.json\`).`);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Reads a file argument as bytes; `-` means stdin.
 *
 * @example
 * const headers = await readFileArg("captured-headers.txt", io, "--headers");
 */
export async function readFileArg(path: string, io: CliIo, option: string): Promise<Buffer> {
  if (path === "-") return readStdin(io, `${option} -`);
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`${option}: cannot read ${JSON.stringify(path)} (${code === "ENOENT" ? "no such file" : (code ?? (err as Error).message)}).`);
  }
}

/**
 * Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`.
 *
 * @example
 * shellQuote("it's"); // 'it'\''s'
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
