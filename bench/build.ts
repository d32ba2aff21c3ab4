import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = fileURLToPath(new URL("..", import.meta.url));

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds the package (`npm run build`) unless `dist/` is newer than every source:
 * the cold-start and bundle-size sections measure the built package, as users get it.
 *
 * @example
 * ensureBuilt(console.log);
 * await import("agentref-webhooks"); // dist/index.js, through package.json "exports"
 */
export function ensureBuilt(log: (line: string) => void = () => {}): void {
  const built = join(root, "dist", "index.js");
  const sources = Math.max(
    newestMtime(join(root, "src")),
    ...["package.json", "tsup.config.ts", "scripts/entries.mjs", "scripts/exports-map.mjs"].map((file) => statSync(join(root, file)).mtimeMs),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  log("dist/ is missing or older than src/: npm run build");
  const result = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8", shell: process.platform === "win32" });
  if (result.status !== 0) {
    throw new Error(`npm run build failed (exit ${result.status}); the bench measures the built package.\n${result.stdout}${result.stderr}`);
  }
}
