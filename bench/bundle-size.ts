import { apps, formatBytes, measureAll, optionalDrivers, type BundleSize } from "../scripts/bundle-size.mjs";
import { ensureBuilt } from "./build.js";
import type { BenchSection, ReportTable, SectionResult, TargetCheck } from "./harness.js";

let sizes: BundleSize[] = [];
const find = (app: string, target: "node" | "edge") => sizes.find((s) => s.app === app && s.target === target);

/**
 * Bundle size: esbuild-minified and gzipped size of small apps on the built package and
 * on its peers, for Node and edge (`worker`) conditions. The same measurement as the
 * size budget of `.ci/run` (scripts/check-size.mjs).
 *
 * @example
 * await runSection(bundleSizeSection, defaultRunOptions, console.log);
 */
export const bundleSizeSection: BenchSection = {
  name: "bundle-size",
  title: "Bundle size",
  description:
    "Each app is the smallest program using one library for one job (the sources are in `scripts/bundle-size.mjs`), bundled by esbuild " +
    "(minified, ESM, tree-shaken) from the built package through package.json \"exports\"/\"imports\", as an app's bundler sees it. " +
    "node: `platform: \"node\"`, `node` condition (node:crypto HMAC); edge: `platform: \"neutral\"` with the `worker` and `browser` conditions " +
    "(WebCrypto, as on Cloudflare Workers or Vercel Edge). Built-ins stay external. \"ours without deps\" is the same bundle with every npm " +
    "dependency left out: this package's own share. Gzip level 9. `node scripts/check-size.mjs` (run by `.ci/run`) enforces the budgets.",
  cases: () => [],
  async tables(_options, log) {
    ensureBuilt(log);
    sizes = await measureAll();
    const row = (app: (typeof apps)[number]) => {
      const node = find(app.name, "node")!;
      const edge = find(app.name, "edge")!;
      return [
        app.name,
        formatBytes(node.minified),
        formatBytes(node.gzip),
        formatBytes(edge.gzip),
        app.ours ? formatBytes(node.ownGzip) : "-",
        node.packages.length ? node.packages.join(", ") : "(ours only)",
      ];
    };
    const table: ReportTable = {
      caption: "Minified and gzipped size of one small app per job",
      columns: ["app", "node: minified", "node: gzip", "edge: gzip", "ours without deps (gzip)", "npm packages in the node bundle"],
      rows: apps.map(row),
      notes: [
        "zod 4's classic API does not tree-shake much: an app that builds one object schema with it is already ~90 KB gzipped; every zod-based pipeline pays that once.",
        "The verifyWebhook app contains no zod: verification-only apps do not pay for the schemas.",
      ],
    };
    return [table];
  },
  targets(_result: SectionResult): TargetCheck[] {
    const verify = find("verifyWebhook", "node");
    const handler = find("createHandler", "node");
    const all = sizes.filter((s) => s.app === 'everything from "agentref-webhooks"');
    if (!verify || !handler) return [];
    const drivers = all.flatMap((s) => [
      ...s.packages.filter((p) => optionalDrivers.includes(p)),
      ...s.externalImports.filter((i) => optionalDrivers.includes(i.split(" ").pop()!)),
    ]);
    return [
      {
        target: "verifyWebhook alone <= 2 KB gzipped (node)",
        measured: formatBytes(verify.gzip),
        met: verify.gzip <= 2048,
        note: "the verification module is that size: messages that name the fix for each failure (~1.5 KB gzipped), secret diagnostics, rotation, both header families, pluggable schemes; see the notes",
      },
      { target: "no zod in the verifyWebhook bundle", measured: verify.packages.includes("zod") ? "zod bundled" : "no zod", met: !verify.packages.includes("zod") },
      {
        target: "createHandler app <= zod's own share + 8 KB gzipped",
        measured: `${formatBytes(handler.gzip)} in all, ${formatBytes(handler.ownGzip)} without zod`,
        met: handler.ownGzip <= 8 * 1024,
        note: "the verifier (5.6 KB), the pipeline with its status table and messages, the memory store, 13 event schemas and the provider's sample events; see the notes",
      },
      { target: 'no optional driver (redis, ioredis, pg, bullmq, msw) from "agentref-webhooks"', measured: drivers.length ? drivers.join(", ") : "none", met: drivers.length === 0 },
    ];
  },
};
