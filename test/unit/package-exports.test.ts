import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entries, internal } from "../../scripts/entries.mjs";
import { exportsMap, importsMap } from "../../scripts/exports-map.mjs";

const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const tsconfig = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8"));

describe("package entry points", () => {
  it("package.json exports and imports match scripts/entries.mjs (run `node scripts/exports-map.mjs --write`)", () => {
    expect(pkg.exports).toEqual(exportsMap());
    expect(pkg.imports).toEqual(importsMap());
  });

  it.each(entries.map((e) => [e.subpath, e.source]))("%s has its source file %s", (_subpath, source) => {
    expect(existsSync(join(root, source))).toBe(true);
  });

  it("tsconfig paths resolve every public subpath to its source", () => {
    for (const e of entries) {
      const name = e.subpath === "." ? pkg.name : `${pkg.name}${e.subpath.slice(1)}`;
      expect(tsconfig.compilerOptions.paths[name]).toEqual([`./${e.source}`]);
    }
    for (const i of internal) expect(tsconfig.compilerOptions.paths[i.specifier]).toEqual([`./${i.node}`]);
  });

  it("is side-effect free, dual-format and supports Node >= 20", () => {
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.type).toBe("module");
    expect(pkg.engines.node).toBe(">=20");
  });
});
