// Every code block of docs/runtimes.md is a file the tests compile or run, kept identical here:
// a block is preceded by <!-- file: path --> and equals that file, or is the shell commands
// .ci/run runs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const doc = readFileSync(join(root, "docs", "runtimes.md"), "utf8");
const blocks = [...doc.matchAll(/(?:<!-- (.+?) -->\n)?```\w*\n([\s\S]*?)```/g)].map((m) => ({ marker: m[1], code: m[2]! }));

describe("docs/runtimes.md", () => {
  it("has code blocks, each marked with where it lives", () => {
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) expect(block.marker, block.code.slice(0, 80)).toBeDefined();
  });

  it.each(blocks.filter((b) => b.marker?.startsWith("file: ")).map((b) => [b.marker!.slice(6), b.code]))("shows %s exactly", (path, code) => {
    expect(code).toBe(readFileSync(join(root, path), "utf8"));
  });

  it("shows the commands .ci/run runs", () => {
    const ci = readFileSync(join(root, ".ci", "run"), "utf8").split("\n");
    const commands = blocks.filter((b) => b.marker === "the commands .ci/run runs").flatMap((b) => b.code.trim().split("\n"));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const words = command.split(/\s+/);
      expect(ci.some((line) => words.every((word) => line.split(/\s+/).includes(word))), command).toBe(true);
    }
  });

  it("names a test for every row of the Runtimes table, and the test exists", () => {
    const rows = doc.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| Runtime") && !line.startsWith("|---"));
    expect(rows.length).toBeGreaterThan(8);
    for (const row of rows) {
      const test = /`(test\/[^`]+\.(?:spec|test)\.ts)`\s*\|$/.exec(row)?.[1];
      expect(test, row).toBeDefined();
      expect(() => readFileSync(join(root, test!)), test).not.toThrow();
    }
  });
});
