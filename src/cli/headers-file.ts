import { CliError } from "./cli-error.js";

/**
 * Parses captured request headers: a JSON object or `[name, value]` array, or raw
 * `Name: value` lines (as `curl -v` prints them too). Names are lowercased; repeats kept.
 */
export function parseHeadersFile(text: string): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const add = (name: string, value: unknown) => {
    const key = name.trim().toLowerCase();
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== "string" && typeof v !== "number") throw new CliError(`--headers: the value of ${JSON.stringify(name)} must be a string, got ${JSON.stringify(v)}.`);
      (headers[key] ??= []).push(String(v));
    }
  };
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new CliError(`--headers looks like JSON but does not parse (${(err as Error).message}).`);
    }
    // Text that starts with { or [ parses to an object or an array.
    for (const pair of Array.isArray(parsed) ? parsed : Object.entries(parsed as object)) {
      if (!Array.isArray(pair) || typeof pair[0] !== "string") throw new CliError("--headers: a JSON array must hold [name, value] pairs.");
      add(pair[0], pair[1]);
    }
    return headers;
  }
  let seenHeader = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/^[<>] ?/, "");
    if (line.trim() === "") {
      if (seenHeader) break;
      continue;
    }
    // The request line of a raw capture ("POST /webhooks HTTP/1.1").
    if (!seenHeader && /^[A-Z]+ \S+ HTTP\/\d/.test(line)) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new CliError(`--headers: cannot read the line ${JSON.stringify(line.slice(0, 80))}; expected "Name: value" lines or JSON.`);
    add(line.slice(0, colon), line.slice(colon + 1).trim());
    seenHeader = true;
  }
  return headers;
}
