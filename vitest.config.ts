import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { entries } from "./scripts/entries.mjs";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import the package by its public names, resolved to the sources.
const packageAliases = entries
  .map((e) => ({
    find: new RegExp(`^agentref-webhooks${e.subpath === "." ? "" : e.subpath.slice(1)}$`),
    replacement: here(e.source),
  }));

const withCrypto = (impl: "node" | "web") => [
  { find: /^#crypto$/, replacement: here(`./src/verify/crypto-${impl}.ts`) },
  ...packageAliases,
];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: withCrypto("node") },
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          typecheck: { enabled: true, include: ["test/types/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
        },
      },
      {
        // The verification suite once more, on the WebCrypto implementation.
        resolve: { alias: withCrypto("web") },
        test: {
          name: "webcrypto",
          include: ["test/unit/verify/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
