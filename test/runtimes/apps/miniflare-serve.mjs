// Serves a Worker bundle in workerd through Miniflare, the local runtime under `wrangler dev`,
// without wrangler dev's Node.js proxy in front of it: requests reach workerd's own socket, as in
// production. The bundle is what `wrangler deploy --dry-run --outdir` builds from a wrangler
// config (the runtime suite does that first). Usage:
//   node miniflare-serve.mjs <bundle.js> <wrangler config.jsonc> <port>
// with AGENTREF_WEBHOOK_SECRET in the environment (bound like a Worker secret).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Miniflare } from "miniflare";

const [bundle, configPath, port] = process.argv.slice(2);
const scriptPath = resolve(bundle);
// The wrangler configs here are JSON with line comments only.
const config = JSON.parse(readFileSync(configPath, "utf8").replace(/^\s*\/\/.*$/gm, ""));

const mf = new Miniflare({
  scriptPath,
  modules: true,
  modulesRoot: dirname(scriptPath),
  compatibilityDate: config.compatibility_date,
  compatibilityFlags: config.compatibility_flags ?? [],
  bindings: { AGENTREF_WEBHOOK_SECRET: process.env.AGENTREF_WEBHOOK_SECRET },
  // The D1 bindings a config declares: Miniflare's D1 is real SQLite, kept in memory here.
  d1Databases: (config.d1_databases ?? []).map((d) => d.binding),
  host: "127.0.0.1",
  port: Number(port),
});
await mf.ready;
console.log(`workerd ready on ${(await mf.ready).href}`);

const stop = () => mf.dispose().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
