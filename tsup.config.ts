import { defineConfig } from "tsup";
import { entries, internal } from "./scripts/entries.mjs";

const publicEntries = Object.fromEntries(entries.map((e) => [e.name, e.source]));
const cryptoEntries = Object.fromEntries(
  internal.flatMap((i) => [
    [`crypto-node`, i.node],
    [`crypto-web`, i.web],
  ]),
);

export default defineConfig([
  {
    entry: { ...publicEntries, ...cryptoEntries },
    format: ["esm", "cjs"],
    dts: { entry: publicEntries },
    // Shared chunks keep one copy of the core, so `instanceof WebhookError` holds across subpaths.
    splitting: true,
    treeshake: true,
    clean: true,
    target: "node20",
    platform: "neutral",
    // The crypto implementation is picked at run time by package.json "imports" conditions.
    external: [...internal.map((i) => i.specifier), /^node:/, /^bun:/, "better-sqlite3", "redis", "ioredis", "pg", "bullmq", "msw", "zod", /^@opentelemetry\//],
  },
  {
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    clean: false,
    splitting: false,
    banner: { js: "#!/usr/bin/env node" },
    external: [...internal.map((i) => i.specifier), "zod"],
  },
]);
