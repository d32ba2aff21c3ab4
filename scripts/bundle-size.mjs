// Bundle sizes of small apps built on the *built* package (dist/, through package.json
// "exports" and "imports", as an app's bundler sees it) and on its peers. Shared by
// the size budget (scripts/check-size.mjs, run by .ci/run) and the bench section
// (bench/bundle-size.ts). Sizes are deterministic for given dependency versions.
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The runtimes an app is bundled for.
 * - node: `platform: "node"`, the `node` condition (node:crypto HMAC).
 * - edge: `platform: "neutral"` with the `worker` condition (Cloudflare Workers, Vercel
 *   Edge: WebCrypto); node: built-ins are left external and listed, they would not run there.
 *
 * @type {Record<"node" | "edge", { platform: "node" | "neutral", conditions: string[] }>}
 */
export const targets = {
  node: { platform: "node", conditions: ["node"] },
  edge: { platform: "neutral", conditions: ["worker", "browser"] },
};

/**
 * The apps measured: each is the smallest program using one library for one job.
 * `ours` marks the apps of this package (the budgets apply to them).
 *
 * @type {{ name: string, job: "handler" | "verify" | "all", ours: boolean, source: string }[]}
 */
export const apps = [
  {
    name: "createHandler",
    job: "handler",
    ours: true,
    source: `import { createHandler } from "agentref-webhooks";\nexport default createHandler({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", on: { "conversion.created": () => {} } });`,
  },
  {
    name: "verifyWebhook",
    job: "verify",
    ours: true,
    source: `import { verifyWebhook } from "agentref-webhooks";\nexport default (body, headers) => verifyWebhook({ body, headers, secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });`,
  },
  {
    name: 'everything from "agentref-webhooks"',
    job: "all",
    ours: true,
    source: `export * from "agentref-webhooks";`,
  },
  {
    name: "svix Webhook.verify",
    job: "verify",
    ours: false,
    source: `import { Webhook } from "svix";\nexport default (body, headers) => new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers);`,
  },
  {
    name: "standardwebhooks Webhook.verify",
    job: "verify",
    ours: false,
    source: `import { Webhook } from "standardwebhooks";\nexport default (body, headers) => new Webhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers);`,
  },
  {
    name: "@octokit/webhooks verify",
    job: "verify",
    ours: false,
    source: `import { Webhooks } from "@octokit/webhooks";\nexport default (body, signature) => new Webhooks({ secret: "s" }).verify(body, signature);`,
  },
  {
    name: "svix verify + zod schema",
    job: "handler",
    ours: false,
    source: [
      `import { Webhook } from "svix";`,
      `import { z } from "zod";`,
      `const event = z.looseObject({ id: z.string(), type: z.literal("conversion.created"), createdAt: z.string(), data: z.looseObject({ id: z.string(), amount: z.number(), currency: z.string(), commissionAmount: z.number(), status: z.string() }) });`,
      `export default (body, headers) => event.parse(new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers));`,
    ].join("\n"),
  },
  {
    name: "zod alone (z.looseObject().parse)",
    job: "handler",
    ours: false,
    source: `import { z } from "zod";\nexport default (value) => z.looseObject({ id: z.string(), type: z.string() }).parse(value);`,
  },
];

/** Optional drivers that must never be reached from "agentref-webhooks" itself. */
export const optionalDrivers = ["redis", "@redis/client", "ioredis", "pg", "bullmq", "msw"];

const packageOf = (/** @type {string} */ path) => {
  const at = path.lastIndexOf("node_modules/");
  if (at === -1) return undefined;
  const rest = path.slice(at + "node_modules/".length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
};

/**
 * @typedef {object} BundleSize
 * @property {string} app
 * @property {"node" | "edge"} target
 * @property {number} minified bytes of the minified bundle
 * @property {number} gzip bytes of the minified bundle, gzipped (level 9)
 * @property {number} ownGzip gzipped bytes with every dependency left out (this package's share for ours)
 * @property {string[]} packages npm packages whose code is in the bundle
 * @property {string[]} nodeBuiltins node: built-ins the bundle imports (left external)
 * @property {string[]} externalImports other imports left external, with their kind (e.g. "dynamic-import redis")
 */

async function bundle(/** @type {string} */ source, /** @type {"node" | "edge"} */ target, /** @type {boolean} */ dependenciesExternal) {
  const { platform, conditions } = targets[target];
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: "app.mjs", loader: "js" },
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform,
    conditions,
    mainFields: platform === "neutral" ? ["module", "main"] : undefined,
    target: "es2022",
    metafile: true,
    legalComments: "none",
    logLevel: "silent",
    // Not the repo's tsconfig: its "paths" point "agentref-webhooks" at the sources.
    tsconfigRaw: {},
    // Built-ins stay imports: counted as bytes of the runtime, not of the app.
    external: ["node:*", ...(platform === "neutral" ? nodeBuiltinNames : [])],
    plugins: dependenciesExternal ? [externalDependencies] : [],
  });
  const code = result.outputFiles[0].contents;
  return { code, metafile: result.metafile };
}

// Bare built-in names ("crypto", "buffer") some peers import without the node: prefix.
const nodeBuiltinNames = (await import("node:module")).builtinModules.filter((m) => !m.startsWith("_"));

/** Leaves every npm dependency (but not this package itself) out of the bundle. */
const externalDependencies = {
  name: "external-dependencies",
  setup(/** @type {import("esbuild").PluginBuild} */ b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) =>
      args.path === "agentref-webhooks" || args.path.startsWith("agentref-webhooks/") || args.path.startsWith("node:")
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/**
 * Bundles one app for one target: minified, gzipped, and what went into it.
 *
 * @param {(typeof apps)[number]} app
 * @param {"node" | "edge"} target
 * @returns {Promise<BundleSize>}
 * @example
 * const size = await measureApp(apps[1], "node");
 * size.gzip; // e.g. 1843
 */
export async function measureApp(app, target) {
  const full = await bundle(app.source, target, false);
  const own = await bundle(app.source, target, true);
  const output = Object.values(full.metafile.outputs)[0];
  // Inputs that contribute bytes (a module whose exports were all shaken away does not count).
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  const imports = output?.imports ?? [];
  return {
    app: app.name,
    target,
    minified: full.code.byteLength,
    gzip: gzipSync(full.code, { level: 9 }).byteLength,
    ownGzip: gzipSync(own.code, { level: 9 }).byteLength,
    packages: [...new Set(inputs.map(packageOf).filter((p) => p !== undefined))].sort(),
    nodeBuiltins: [...new Set(imports.filter((i) => i.external && (i.path.startsWith("node:") || nodeBuiltinNames.includes(i.path))).map((i) => i.path))].sort(),
    externalImports: imports
      .filter((i) => i.external && !i.path.startsWith("node:") && !nodeBuiltinNames.includes(i.path))
      .map((i) => `${i.kind} ${i.path}`),
  };
}

/**
 * Every app for every target.
 *
 * @returns {Promise<BundleSize[]>}
 * @example
 * for (const size of await measureAll()) console.log(size.app, size.target, size.gzip);
 */
export async function measureAll() {
  const sizes = [];
  for (const app of apps) for (const target of /** @type {const} */ (["node", "edge"])) sizes.push(await measureApp(app, target));
  return sizes;
}

/**
 * Bytes as "1.8 KB" (1 KB = 1024 bytes).
 *
 * @param {number} bytes
 * @example
 * formatBytes(1843); // "1.8 KB"
 */
export const formatBytes = (bytes) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`);
