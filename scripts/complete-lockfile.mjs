// npm writes only the optional native packages it can resolve into package-lock.json
// (npm/cli#4828; the registry this project is built against serves no other platform's
// binaries), while `npm ci` insists that every entry of a package's `optionalDependencies`
// map is in the lock. This adds the missing entries: from the registry when it has them,
// else from the exact version the parent pins plus the os/cpu its name states, so that
// `npm ci` on any host skips them as platform-mismatched. Run it after every `npm install`
// that changes the lock: `node scripts/complete-lockfile.mjs`.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages;
let added = 0;

for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    // Resolution order of Node: nested next to the dependent first, then hoisted.
    const nested = `${path ? `${path}/` : ""}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const meta = registryMeta(name, range) ?? inferredMeta(name, range);
    if (!meta) throw new Error(`cannot describe ${name}@${range}: not in the registry and no platform in its name`);
    packages[hoisted] = {
      version: meta.version,
      ...(meta["dist.integrity"] ? { integrity: meta["dist.integrity"] } : {}),
      ...(meta.cpu ? { cpu: [meta.cpu].flat() } : {}),
      ...(meta.license ? { license: meta.license } : {}),
      ...(meta.libc ? { libc: [meta.libc].flat() } : {}),
      optional: true,
      ...(meta.os ? { os: [meta.os].flat() } : {}),
    };
    added++;
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} optional platform entries`);

function registryMeta(name, range) {
  try {
    const info = JSON.parse(
      execFileSync("npm", ["view", `${name}@${range}`, "version", "dist.integrity", "os", "cpu", "libc", "license", "--json"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }),
    );
    return Array.isArray(info) ? info.at(-1) : info;
  } catch {
    return undefined;
  }
}

// "@rollup/rollup-linux-arm-musleabihf" -> { os: linux, cpu: arm, libc: musl }
function inferredMeta(name, range) {
  if (!/^\d+\.\d+\.\d+/.test(range)) return undefined;
  const match = /-(android|darwin|freebsd|linux|openharmony|win32|netbsd|openbsd|sunos|aix)-([a-z0-9]+)(?:-([a-z0-9]+))?$/.exec(name);
  if (!match) return undefined;
  const [, os, cpu, abi] = match;
  const libc = os === "linux" && abi ? (abi.includes("musl") ? "musl" : abi.includes("gnu") ? "glibc" : undefined) : undefined;
  return { version: range, os, cpu, ...(libc ? { libc } : {}) };
}
