import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entries } from "../../scripts/entries.mjs";
import { typesVersionsMap } from "../../scripts/exports-map.mjs";

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"));

describe("typesVersions (TypeScript's node10 resolution)", () => {
  it("matches scripts/entries.mjs (run `node scripts/exports-map.mjs --write`)", () => {
    expect(pkg.typesVersions).toEqual(typesVersionsMap());
  });

  it("maps every subpath to the CommonJS types its exports name", () => {
    for (const e of entries.filter((entry) => entry.subpath !== ".")) {
      // A self-contained entry names its file per runtime condition; "node" is what node10 stands for.
      const target = e.selfContained ? pkg.exports[e.subpath].node : pkg.exports[e.subpath];
      expect(pkg.typesVersions["*"][e.subpath.slice(2)]).toEqual([target.require.types]);
    }
    expect(pkg.types).toBe(pkg.exports["."].require.types);
  });
});
