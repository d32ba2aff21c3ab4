// Package hygiene, run by .ci/run after the build: publint, arethetypeswrong, and
// a real import of the built package in ESM and CJS.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const run = (cmd, args) => {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { stdio: "inherit" });
};

run("npx", ["publint", "--strict"]);
// Every resolution profile, node10 included (it reads the subpaths from "typesVersions").
run("npx", ["attw", "--pack", "."]);

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const subpaths = Object.keys(pkg.exports).filter((s) => !s.includes("*") && !s.endsWith(".json"));
for (const subpath of subpaths) {
  const specifier = subpath === "." ? pkg.name : `${pkg.name}${subpath.slice(1)}`;
  run("node", ["--input-type=module", "-e", `const m = await import(${JSON.stringify(specifier)}); if (!Object.keys(m).length) throw new Error("empty ESM module ${specifier}"); console.log("esm ok ${specifier}", Object.keys(m).length, "exports")`]);
  run("node", ["-e", `const m = require(${JSON.stringify(specifier)}); if (!Object.keys(m).length) throw new Error("empty CJS module ${specifier}"); console.log("cjs ok ${specifier}")`]);
}
console.log("package checks passed");
