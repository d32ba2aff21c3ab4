import { readFileSync } from "node:fs";

/** The version in the nearest agentref-webhooks `package.json` above this file (dist/ and src/ differ in depth). */
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
