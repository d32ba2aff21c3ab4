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

// agentref-webhooks/verify is a bundle of its own (no chunks shared with the root entry), so its
// error classes are copies: errors thrown by either entry must be instances of the other's classes.
// Run in both formats, and on the WebCrypto build (dist/verify-web.*) as well as the node:crypto one.
const crossEntry = (load) => `
  const [root, verify, web] = await Promise.all([${load(pkg.name)}, ${load(`${pkg.name}/verify`)}, ${load("./dist/verify-web")}]);
  const secret = "whsec_" + Buffer.alloc(32, 7).toString("base64");
  const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": "v1,AAAA" };
  const thrown = async (m) => m.verifyWebhook({ body: "{}", headers, secret }).then(() => { throw new Error("verified a bad signature"); }, (err) => err);
  const configError = (m) => { try { m.createVerifier({ secret: "" }); } catch (err) { return err; } throw new Error("accepted an empty secret"); };
  const pairs = [[root, verify], [verify, root], [root, web], [web, root], [verify, web]];
  for (const [from, to] of pairs) {
    if (from.WebhookError === to.WebhookError) throw new Error("expected separate copies of the error classes");
    const err = await thrown(from);
    const config = configError(from);
    const checks = {
      "verification error instanceof WebhookVerificationError": err instanceof to.WebhookVerificationError,
      "verification error instanceof WebhookError": err instanceof to.WebhookError,
      "verification error not instanceof WebhookConfigError": !(err instanceof to.WebhookConfigError),
      "config error instanceof WebhookConfigError": config instanceof to.WebhookConfigError,
      "config error not instanceof WebhookVerificationError": !(config instanceof to.WebhookVerificationError),
      "isWebhookError": to.isWebhookError(err),
    };
    for (const [check, ok] of Object.entries(checks)) if (!ok) throw new Error("across entries: " + check + " failed (" + err + ")");
  }
  console.log("instanceof across the root and /verify entries: ok");`;
const crossEsm = crossEntry((specifier) => `import(${JSON.stringify(specifier.startsWith(".") ? `${specifier}.js` : specifier)})`);
const crossCjs = crossEntry((specifier) => `Promise.resolve(require(${JSON.stringify(specifier.startsWith(".") ? `${specifier}.cjs` : specifier)}))`);
console.log("$ node: instanceof across the root and /verify entries (ESM, then CJS)");
execFileSync("node", ["--input-type=module", "-e", crossEsm], { stdio: "inherit" });
execFileSync("node", ["-e", `(async () => {${crossCjs}})().catch((err) => { console.error(err); process.exit(1); });`], { stdio: "inherit" });

// The self-contained entry loads one file: no chunk, no #crypto indirection.
for (const file of ["verify.js", "verify.cjs", "verify-web.js", "verify-web.cjs"]) {
  const code = readFileSync(new URL(`../dist/${file}`, import.meta.url), "utf8");
  const imports = [...code.matchAll(/(?:from\s*|import\s*\(?\s*|require\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
  const local = imports.filter((i) => i.startsWith(".") || i.startsWith("#"));
  if (local.length) throw new Error(`dist/${file} should be self-contained, but imports ${local.join(", ")}`);
  if (file.startsWith("verify-web") && imports.some((i) => /crypto/.test(i))) throw new Error(`dist/${file} imports ${imports.join(", ")}; it should use WebCrypto`);
}
console.log("self-contained: dist/verify{,-web}.{js,cjs} import no other file of the package");
console.log("package checks passed");
