import { entries, internal } from "./entries.mjs";

// The package.json "exports", "imports" and "typesVersions" maps that scripts/entries.mjs implies.
// `node scripts/exports-map.mjs --write` updates package.json; a test checks it is in sync.

/** @param {string} name */
const dual = (name) => ({
  import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
  require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
});

export function exportsMap() {
  return {
    ...Object.fromEntries(entries.map((e) => [e.subpath, dual(e.name)])),
    "./schemas/*": "./schemas/*",
    "./package.json": "./package.json",
  };
}

// TypeScript's node10 resolution ("moduleResolution": "node", the default of "module":
// "commonjs") ignores "exports": typesVersions maps each subpath to its CommonJS types there.
// Node16, nodenext and bundler resolution read "exports" and never get here.
export function typesVersionsMap() {
  return {
    "*": Object.fromEntries(entries.filter((e) => e.subpath !== ".").map((e) => [e.subpath.slice(2), [`./dist/${e.name}.d.cts`]])),
  };
}

/** @param {string} name */
const impl = (name) => ({ import: `./dist/${name}.js`, require: `./dist/${name}.cjs` });

export function importsMap() {
  return Object.fromEntries(
    internal.map((i) => [
      i.specifier,
      {
        // Edge runtimes first: some also set "node" for compatibility, but have no node:crypto HMAC.
        workerd: impl("crypto-web"),
        worker: impl("crypto-web"),
        "edge-light": impl("crypto-web"),
        browser: impl("crypto-web"),
        bun: impl("crypto-node"),
        deno: impl("crypto-node"),
        node: impl("crypto-node"),
        default: impl("crypto-web"),
      },
    ]),
  );
}

if (process.argv.includes("--write")) {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  pkg.exports = exportsMap();
  pkg.imports = importsMap();
  pkg.typesVersions = typesVersionsMap();
  writeFileSync("package.json", `${JSON.stringify(pkg, null, 2)}\n`);
  console.log("package.json exports/imports/typesVersions updated");
}
