// Global setup of the suites that test the built package: packs it (what `npm pack` ships, so the
// `files` list is tested too), unpacks it into a temporary folder the consumer matrix links, and
// into test/runtimes/node_modules/agentref-webhooks, where every runtime app and the scenario
// import it from, as a user's app would.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

export const runtimesDir = fileURLToPath(new URL(".", import.meta.url));
export const repoRoot = join(runtimesDir, "..", "..");
export const runtimesModules = join(runtimesDir, "node_modules");
export const inCI = process.env.CI === "true" || process.env.CI === "1";

declare module "vitest" {
  export interface ProvidedContext {
    /** The unpacked package (package.json, dist/, schemas/) as `npm pack` ships it. */
    packedPackage: string;
  }
}

export default function setup(project: TestProject): () => void {
  if (!existsSync(join(repoRoot, "dist", "index.js"))) throw new Error("dist/ is missing: run npm run build first (these suites test the built package)");
  const work = mkdtempSync(join(tmpdir(), "agentref-packed-"));
  execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack wrote no tarball");
  const unpacked = join(work, "agentref-webhooks");
  mkdirSync(unpacked);
  execFileSync("tar", ["-xzf", join(work, tarball), "-C", unpacked, "--strip-components=1"]);
  project.provide("packedPackage", unpacked);

  if (existsSync(runtimesModules)) {
    const target = join(runtimesModules, "agentref-webhooks");
    rmSync(target, { recursive: true, force: true });
    cpSync(unpacked, target, { recursive: true });
  } else if (inCI) {
    throw new Error("test/runtimes/node_modules is missing: .ci/run must run npm ci --prefix test/runtimes");
  } else {
    console.log("runtime suite: test/runtimes/node_modules is missing, every runtime is skipped (npm ci --prefix test/runtimes to run them)");
  }
  return () => rmSync(work, { recursive: true, force: true });
}
