import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { entries } from "../../../scripts/entries.mjs";
import { packagesImported } from "../verify/module-graph.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const optionalPeers = Object.entries(pkg.peerDependenciesMeta)
  .filter(([, meta]) => meta.optional)
  .map(([name]) => name);

describe("runtime dependencies", () => {
  it("zod is the only one an install brings", () => {
    expect(Object.keys(pkg.dependencies)).toEqual(["zod"]);
  });

  it.each(entries.map((e) => [e.subpath, e.source]))("%s imports only zod and optional peers", async (_subpath, source) => {
    const imported = await packagesImported(source);
    expect(imported.filter((name) => name !== "zod" && !optionalPeers.includes(name))).toEqual([]);
  });

  it("the testing kit signs without the standardwebhooks package (it is the tests' oracle only)", async () => {
    expect(await packagesImported("src/testing/index.ts")).toEqual(["msw", "zod"]);
  });
});
