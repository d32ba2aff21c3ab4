// `import "agentref-webhooks"` must never load bullmq (or its Redis client): an app that
// does not use queue mode may not even have them installed. Only the subpath imports them.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;

/** Every bare specifier reachable from `entry` through relative imports (type-only ones included: harmless but strict). */
function externalImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const specifier = (match[1] ?? match[2] ?? match[3])!;
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else external.add(specifier);
    }
  };
  visit(resolve(root, entry));
  return external;
}

describe("bullmq stays behind its subpath", () => {
  it("nothing reachable from the root entry imports bullmq or ioredis", () => {
    const imports = externalImports("src/index.ts");
    expect([...imports].filter((s) => /^(bullmq|ioredis)(\/|$)/.test(s))).toEqual([]);
  });

  it("agentref-webhooks/bullmq does", () => {
    expect(externalImports("src/queue/bullmq.ts")).toContain("bullmq");
  });
});
