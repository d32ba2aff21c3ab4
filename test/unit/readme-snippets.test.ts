// The README's setup snippets are the files in docs/snippets/, verbatim, so what users copy
// is what test/integration/outages.test.ts runs through a Redis and a PostgreSQL outage
// (and what `npm run typecheck` compiles).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)\n```\n/g)].map((m) => ({ file: m[1]!, code: m[2]! }));

describe("the README's setup snippets are docs/snippets/*", () => {
  it("shows every snippet file, once", () => {
    const files = readdirSync(join(root, "docs", "snippets")).map((name) => `docs/snippets/${name}`);
    expect(blocks.map((b) => b.file).sort()).toEqual(files.sort());
  });

  it.each(blocks)("the block marked $file is that file, verbatim", ({ file, code }) => {
    expect(code).toBe(readFileSync(join(root, file), "utf8").trimEnd());
  });
});
