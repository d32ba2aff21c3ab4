import { entries, internal } from "./entries.mjs";

// The package.json "exports", "imports" and "typesVersions" maps that scripts/entries.mjs implies.
// `node scripts/exports-map.mjs --write` updates package.json; a test checks it is in sync.

/**
 * @param {string} name the declarations' name
 * @param {string} [file] the code's name, when it differs
 */
const dual = (name, file = name) => ({
  import: { types: `./dist/${name}.d.ts`, default: `./dist/${file}.js` },
  require: { types: `./dist/${name}.d.cts`, default: `./dist/${file}.cjs` },
});

// Which crypto implementation each runtime gets, in the order conditions are tried.
// Edge runtimes first: some also set "node" for compatibility, but have no node:crypto HMAC.
/** @type {[condition: string, impl: "node" | "web"][]} */
export const runtimes = [
  ["workerd", "web"],
  ["worker", "web"],
  ["edge-light", "web"],
  ["browser", "web"],
  ["bun", "node"],
  ["deno", "node"],
  ["node", "node"],
  ["default", "web"],
];

/** The file a self-contained entry is built to for one crypto implementation. */
export const selfContainedFile = (/** @type {string} */ name, /** @type {"node" | "web"} */ impl) => (impl === "node" ? name : `${name}-web`);

/** @param {{ name: string, selfContained?: boolean }} e */
const entryExports = (e) =>
  e.selfContained ? Object.fromEntries(runtimes.map(([condition, impl]) => [condition, dual(e.name, selfContainedFile(e.name, impl))])) : dual(e.name);

export function exportsMap() {
  return {
    ...Object.fromEntries(entries.map((e) => [e.subpath, entryExports(e)])),
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
      Object.fromEntries(runtimes.map(([condition, kind]) => [condition, impl(`crypto-${kind}`)])),
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
