import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Bundles `entry` (a path from the repository root) the way Node resolves it and
 * returns esbuild's metafile: every module its static imports reach. With
 * `packages: "external"`, npm packages are left out and listed as external imports.
 *
 * @example
 * const { inputs } = await bundleGraph("src/verify-entry.ts");
 */
export async function bundleGraph(entry: string, options: { packages?: "external" } = {}): Promise<Metafile> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    logLevel: "silent",
    // Follow everything, drivers included, unless told otherwise: only node built-ins stay out.
    external: ["node:*"],
    ...options,
    alias: { "#crypto": "./src/verify/crypto-node.ts" },
    tsconfigRaw: {},
  });
  return result.metafile;
}

/**
 * Every module a static import of `entry` reaches (esbuild follows the same imports Node does).
 *
 * @example
 * expect((await moduleGraph("src/verify/index.ts")).filter((p) => p.includes("node_modules/zod/"))).toEqual([]);
 */
export async function moduleGraph(entry: string): Promise<string[]> {
  return Object.keys((await bundleGraph(entry)).inputs);
}

/**
 * The npm packages `entry`'s code imports (statically or with `import()`), by package name.
 *
 * @example
 * await packagesImported("src/testing/index.ts"); // ["msw", "zod"]
 */
export async function packagesImported(entry: string): Promise<string[]> {
  const { inputs } = await bundleGraph(entry, { packages: "external" });
  const names = Object.values(inputs)
    .flatMap((input) => input.imports)
    .filter((i) => i.external && !i.path.startsWith("node:") && !i.path.startsWith("#"))
    .map((i) => (i.path.startsWith("@") ? i.path.split("/").slice(0, 2).join("/") : i.path.split("/")[0]!));
  return [...new Set(names)].sort();
}
