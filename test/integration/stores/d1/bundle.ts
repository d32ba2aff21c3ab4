import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { entries } from "../../../../scripts/entries.mjs";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

// The package's public names, resolved to the sources (as vitest and tsconfig do), and the
// WebCrypto implementation that package.json "imports" selects under workerd.
const packageSources: Plugin = {
  name: "agentref-webhooks-sources",
  setup(b) {
    b.onResolve({ filter: /^agentref-webhooks(\/.*)?$|^#crypto$/ }, (args) => {
      if (args.path === "#crypto") return { path: `${root}src/verify/crypto-web.ts` };
      const entry = entries.find((e) => `agentref-webhooks${e.subpath.slice(1)}` === args.path);
      return entry ? { path: `${root}${entry.source}` } : undefined;
    });
  },
};

/**
 * Bundles a Worker module for miniflare: ESM, `cloudflare:*` left to workerd.
 *
 * @example
 * const script = await bundleWorker("examples/stores/d1-worker.ts");
 */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    external: ["cloudflare:*"],
    conditions: ["workerd", "worker", "import"],
    mainFields: ["module", "main"],
    plugins: [packageSources],
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
