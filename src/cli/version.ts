import { readFileSync } from "node:fs";

/**
 * The package version, read from the nearest `package.json` named agentref-webhooks
 * above this file: `dist/cli.js` and `src/cli/main.ts` sit at different depths.
 *
 * @example
 * packageVersion(); // "0.1.0"
 */
export function packageVersion(): string {
  let dir = new URL("./", import.meta.url);
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "agentref-webhooks" && pkg.version) return pkg.version;
    } catch {
      // Not here: keep walking up.
    }
    dir = new URL("../", dir);
  }
  return "unknown";
}
