// The suites that run against the built package, after `npm run build`:
//   npx vitest run --config test/runtimes/vitest.config.ts
// (not part of `npm test`, whose files end in .test.ts and run on the sources).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/runtimes/**/*.spec.ts", "test/consumers/**/*.spec.ts"],
    globalSetup: ["test/runtimes/setup.ts"],
    // One runtime at a time: the machine has two cores, and each server is timed on its own.
    fileParallelism: false,
    // The consumer matrix runs its tsc processes two at a time.
    maxConcurrency: 2,
    testTimeout: 60_000,
    hookTimeout: 150_000,
  },
});
