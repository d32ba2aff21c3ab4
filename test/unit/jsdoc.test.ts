import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The standard: every export in src/ has a JSDoc block with an @example.
const root = join(import.meta.dirname, "..", "..");
const files: string[] = [];
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".ts")) files.push(path);
  }
};
walk(join(root, "src"));

function undocumented(file: string): string[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const missing: string[] = [];
  lines.forEach((line, i) => {
    const declared = /^export (?:declare )?(?:async )?(?:const|function|class|interface|type|enum) ([A-Za-z0-9_]+)/.exec(line);
    if (!declared) return;
    let end = i - 1;
    while (end >= 0 && lines[end]!.trim() === "") end--;
    let start = end;
    while (start >= 0 && !lines[start]!.includes("/**")) start--;
    const doc = end >= 0 && lines[end]!.trim().endsWith("*/") && start >= 0 ? lines.slice(start, end + 1).join("\n") : "";
    if (!doc.includes("@example")) missing.push(`${relative(root, file)}:${i + 1} ${declared[1]}`);
  });
  return missing;
}

describe("documentation", () => {
  it("every export in src/ has JSDoc with an @example", () => {
    expect(files.flatMap(undocumented)).toEqual([]);
  });
});
