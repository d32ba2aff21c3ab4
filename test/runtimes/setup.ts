// Global setup of the runtime suite: unpacks the built package (what `npm pack` ships, so the
// `files` list is tested too) into test/runtimes/node_modules/agentref-webhooks, where every
// runtime app and the scenario import it from, as a user's app would.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const runtimesDir = fileURLToPath(new URL(".", import.meta.url));
export const repoRoot = join(runtimesDir, "..", "..");
export const runtimesModules = join(runtimesDir, "node_modules");
export const inCI = process.env.CI === "true" || process.env.CI === "1";

export default function setup(): void {
  if (!existsSync(join(repoRoot, "dist", "index.js"))) throw new Error("dist/ is missing: run npm run build first (the runtime suite tests the built package)");
  if (!existsSync(runtimesModules)) {
    if (inCI) throw new Error("test/runtimes/node_modules is missing: .ci/run must run npm ci --prefix test/runtimes");
    console.log("runtime suite: test/runtimes/node_modules is missing, every runtime is skipped (npm ci --prefix test/runtimes to run them)");
    return;
  }
  const packDir = mkdtempSync(join(tmpdir(), "agentref-pack-"));
  try {
    execFileSync("npm", ["pack", "--silent", "--pack-destination", packDir], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
    const tarball = readdirSync(packDir).find((name) => name.endsWith(".tgz"));
    if (!tarball) throw new Error("npm pack wrote no tarball");
    const target = join(runtimesModules, "agentref-webhooks");
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    execFileSync("tar", ["-xzf", join(packDir, tarball), "-C", target, "--strip-components=1"]);
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}
