import { readFile } from "node:fs/promises";
import { CliError } from "./cli-error.js";

/** Where a command reads and writes: the process's streams, or fakes in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  stdin: AsyncIterable<Uint8Array | string> & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** Reads all of stdin as bytes. Refuses an interactive terminal, where it would wait forever. */
export async function readStdin(io: CliIo, what: string): Promise<Buffer> {
  if (io.stdin.isTTY) throw new CliError(`${what} is read from stdin: pipe it in (e.g. \`< body.json\`).`);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Reads a file argument as bytes; `-` means stdin. */
export async function readFileArg(path: string, io: CliIo, option: string): Promise<Buffer> {
  if (path === "-") return readStdin(io, `${option} -`);
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`${option}: cannot read ${JSON.stringify(path)} (${code === "ENOENT" ? "no such file" : (code ?? (err as Error).message)}).`);
  }
}

/** Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
