import { fileURLToPath } from "node:url";
import { defineConfig, type Options } from "tsup";
import { entries, internal } from "./scripts/entries.mjs";
import { selfContainedFile } from "./scripts/exports-map.mjs";

const publicEntries = Object.fromEntries(entries.map((e) => [e.name, e.source]));
const splitEntries = Object.fromEntries(entries.filter((e) => !e.selfContained).map((e) => [e.name, e.source]));
const cryptoEntries = Object.fromEntries(
  internal.flatMap((i) => [
    [`crypto-node`, i.node],
    [`crypto-web`, i.web],
  ]),
);
const optionalPeers = [/^node:/, /^bun:/, "better-sqlite3", "redis", "ioredis", "pg", "bullmq", "msw", "zod", /^@opentelemetry\//];

/** Resolves the "imports" specifiers (#crypto) to one implementation's source, to bundle it in. */
const inlineInternal = (impl: "node" | "web"): NonNullable<Options["esbuildPlugins"]>[number] => ({
  name: `inline-internal-${impl}`,
  setup(build) {
    for (const i of internal) {
      const filter = new RegExp(`^${i.specifier}$`);
      build.onResolve({ filter }, () => ({ path: fileURLToPath(new URL(i[impl], import.meta.url)) }));
    }
  },
});

// Self-contained entries (agentref-webhooks/verify): one file per format and crypto implementation,
// nothing shared with the other entries, so that a cold import reads one file. Their error classes
// are copies of the root entry's; a brand on them keeps `instanceof` true across the copies.
const selfContained = entries
  .filter((e) => e.selfContained)
  .flatMap((e) =>
    (["node", "web"] as const).map(
      (impl): Options => ({
        entry: { [selfContainedFile(e.name, impl)]: e.source },
        format: ["esm", "cjs"],
        // The declarations come from the main build (dts.entry), shared by both files.
        dts: false,
        splitting: false,
        treeshake: true,
        clean: false,
        target: "node20",
        platform: "neutral",
        external: optionalPeers,
        esbuildPlugins: [inlineInternal(impl)],
      }),
    ),
  );

export default defineConfig([
  {
    entry: { ...splitEntries, ...cryptoEntries },
    format: ["esm", "cjs"],
    dts: { entry: publicEntries },
    // Shared chunks keep one copy of the core among these entries.
    splitting: true,
    treeshake: true,
    clean: true,
    target: "node20",
    platform: "neutral",
    // The crypto implementation is picked at run time by package.json "imports" conditions.
    external: [...internal.map((i) => i.specifier), ...optionalPeers],
  },
  ...selfContained,
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
