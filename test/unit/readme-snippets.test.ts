// The README's setup snippets are the files in docs/snippets/, verbatim, so what users copy
// is what test/integration/outages.test.ts runs through a Redis and a PostgreSQL outage
// (and what `npm run typecheck` compiles).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
// The README and every docs page.
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((n) => n.endsWith(".md")).map((n) => `docs/${n}`)];
const blocks = pages.flatMap((page) =>
  [...readFileSync(join(root, page), "utf8").matchAll(/<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)\n```\n/g)].map((m) => ({ page, file: m[1]!, code: m[2]! })),
);

describe("the docs' setup snippets are docs/snippets/*", () => {
  it("shows every snippet file, once", () => {
    const files = readdirSync(join(root, "docs", "snippets")).map((name) => `docs/snippets/${name}`);
    expect(blocks.map((b) => b.file).sort()).toEqual(files.sort());
  });

  it.each(blocks)("the block marked $file is that file, verbatim", ({ file, code }) => {
    expect(code).toBe(readFileSync(join(root, file), "utf8").trimEnd());
  });
});
