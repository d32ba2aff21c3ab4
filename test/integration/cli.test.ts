// The CLI as users run it: a real child process (node + tsx on src/cli/main.ts)
// against a real node:http server built with createHandler.
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import pg from "pg";
import { createHandler, createMemoryStore, eventTypes, listParked, type HandlerMap, type IdempotencyStore } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { createPostgresStore } from "agentref-webhooks/postgres";
import { createRedisStore } from "agentref-webhooks/redis";
import { createSqliteStore } from "agentref-webhooks/sqlite";
import { generateSecret, signPayload, createSignedRequest, createTestEvent } from "agentref-webhooks/testing";
import type { CliIo } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";
import { databaseUrl, redisUrl } from "../helpers/services.js";

const root = join(import.meta.dirname, "..", "..");
const secret = generateSecret();
const hasCurl = (() => {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
      cwd: root,
      env: { ...process.env, AGENTREF_WEBHOOK_SECRET: "", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

// Runs at most `limit` child processes at once: the machine has few cores.
async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    }),
  );
  return results;
}

const handled = new Map<string, number>();
const runsById = new Map<string, number>();
let server: Server;
let failing: Server;
let url: string;
let failingUrl: string;

beforeAll(async () => {
  const on = Object.fromEntries(
    eventTypes.map((type) => [
      type,
      async (event: { id: string }) => {
        runsById.set(event.id, (runsById.get(event.id) ?? 0) + 1);
        handled.set(type, (handled.get(type) ?? 0) + 1);
        // Slow enough that concurrent duplicates find the id in progress (409) first.
        if (event.id === "msg_cli_same") await new Promise((resolve) => setTimeout(resolve, 100));
      },
    ]),
  ) as HandlerMap;
  const handler = createHandler({ secret, store: createMemoryStore(), on, logger: {} });
  server = createServer(toNodeHandler(handler));
  failing = createServer((_req, res) => res.writeHead(500).end("broken"));
  for (const s of [server, failing]) await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`;
  failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/webhooks/agentref`;
});

afterAll(async () => {
  for (const s of [server, failing]) await new Promise((resolve) => s.close(resolve));
});

describe("agentref-webhooks send", () => {
  it("delivers every one of the 13 event types", async () => {
    const runs = await inBatches(eventTypes, 3, (type) => cli(["send", type, "--url", url, "--secret", secret]));
    for (const [i, run] of runs.entries()) {
      expect(run.stderr, eventTypes[i]).toBe("");
      expect(run.code, eventTypes[i]).toBe(0);
      expect(run.stdout).toMatch(/attempt 1\/1 +\+0s +200 OK +\d+\.\d ms/);
      expect(run.stdout).toContain("delivered (attempt 1)");
    }
    for (const type of eventTypes) expect(handled.get(type), type).toBe(1);
    // 13 CLI processes, three at a time: ~10 s alone, more on a loaded 2-core machine.
  }, 90_000);

  it("--times 20 --concurrency 5 with one id: the handler runs once, duplicates are acknowledged", async () => {
    const run = await cli(["send", "conversion.created", "--url", url, "--secret", secret, "--id", "msg_cli_same", "--times", "20", "--concurrency", "5", "--retry"]);
    expect(run.code).toBe(0);
    expect(runsById.get("msg_cli_same")).toBe(1);
    expect(run.stdout).toContain("20 deliveries of conversion.created: 20 delivered, 0 never got a 2xx");
    expect(run.stdout).toMatch(/200 x\d+/);
    expect(run.stderr).toContain("[20/20] delivered 20, failed 0");
  });

  it("--data is deep-merged into the event, and an invalid override is a usage error naming the path", async () => {
    const [ok, bad] = await Promise.all([
      cli(["send", "payout.failed", "--url", url, "--data", '{"id":"msg_cli_data","data":{"failureReason":"IBAN closed"}}'], { env: { AGENTREF_WEBHOOK_SECRET: secret } }),
      cli(["send", "payout.failed", "--url", url, "--secret", secret, "--data", '{"data":{"amount":"lots"}}']),
    ]);
    expect(ok.code).toBe(0);
    expect(runsById.get("msg_cli_data")).toBe(1);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/data\.amount/);
  });

  it("exits 1 when the endpoint never answers 2xx, after the whole retry schedule", async () => {
    const run = await cli(["send", "payout.created", "--url", failingUrl, "--secret", secret, "--retry", "--time-scale", "0"]);
    expect(run.code).toBe(1);
    expect(run.stdout.match(/500 Internal Server Error/g)).toHaveLength(9);
    expect(run.stdout).toMatch(/attempt 9\/9 +\+1d 22h/);
    expect(run.stderr).toContain("never answered 2xx");
  });
});

describe("agentref-webhooks sign", () => {
  it("prints svix headers that the standardwebhooks package verifies, and a curl command with the exact body", async () => {
    const body = JSON.stringify(createTestEvent("conversion.created", { id: "msg_cli_sign" }));
    const run = await cli(["sign", "--secret", secret, "--url", url], { stdin: body });
    expect(run.code).toBe(0);
    const headers = Object.fromEntries(
      run.stdout
        .split("\n")
        .filter((line) => /^svix-[a-z]+: /.test(line))
        .map((line) => line.split(": ") as [string, string]),
    );
    expect(headers["svix-id"]).toBe("msg_cli_sign");
    const verified = new Webhook(secret).verify(body, {
      "webhook-id": headers["svix-id"]!,
      "webhook-timestamp": headers["svix-timestamp"]!,
      "webhook-signature": headers["svix-signature"]!,
    });
    expect(verified).toEqual(JSON.parse(body));
    expect(run.stdout).toContain(`--data-binary '${body}'`);
    expect(run.stdout).toContain(`-H 'svix-signature: ${headers["svix-signature"]}'`);
  });

  it.skipIf(!hasCurl)("prints a curl command that delivers when pasted into a shell", async () => {
    const body = JSON.stringify(createTestEvent("payout.completed", { id: "msg_cli_curl", data: { id: "pay_it's" } }));
    const run = await cli(["sign", "--secret", secret, "--url", url], { stdin: body });
    const curl = run.stdout.slice(run.stdout.indexOf("curl "));
    const { stdout } = await promisify(execFile)("sh", ["-c", `${curl.trim()} --silent --show-error`]);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true });
    expect(runsById.get("msg_cli_curl")).toBe(1);
  });
});

describe("agentref-webhooks verify", () => {
  const dir = mkdtempSync(join(tmpdir(), "agentref-cli-"));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const headerLines = (headers: Record<string, string>) =>
    `POST /webhooks/agentref HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n")}\n`;

  it("diagnoses each failure kind", async () => {
    const body = JSON.stringify(createTestEvent("payout.failed"));
    const now = Math.floor(Date.now() / 1000);
    const fresh = await signPayload({ body, secret, timestamp: now });
    const stale = await signPayload({ body, secret, timestamp: now - 3600 });
    const { "svix-signature": _dropped, ...noSignature } = fresh;
    const bodyPath = file("body.json", body);
    // What a framework hands on after parsing: the same JSON, re-serialized with indentation.
    const reserialized = file("reserialized.json", JSON.stringify(JSON.parse(body), null, 2));
    const other = generateSecret();

    const [rotated, missing, old, parsed, wrongSecret] = await inBatches(
      [
        // A rotation: the first secret is another one, and the headers are a JSON capture.
        ["--secret", other, "--secret", secret, "--headers", file("headers.json", JSON.stringify(fresh)), "--body", bodyPath],
        ["--secret", secret, "--headers", file("missing.txt", headerLines(noSignature)), "--body", bodyPath],
        ["--secret", secret, "--headers", file("stale.txt", headerLines(stale)), "--body", bodyPath, "--now", String(now)],
        ["--secret", secret, "--headers", file("parsed.txt", headerLines(fresh)), "--body", reserialized],
        ["--secret", other, "--headers", file("wrong.txt", headerLines(fresh)), "--body", bodyPath],
      ],
      3,
      (args) => cli(["verify", ...args]),
    );

    expect(rotated!.code).toBe(0);
    expect(rotated!.stdout).toMatch(/headers +ok +svix-id, svix-timestamp, svix-signature/);
    expect(rotated!.stdout).toMatch(/signature +ok +matches secret #2/);
    expect(rotated!.stdout).toContain("result: the delivery verifies");

    expect(missing!.code).toBe(1);
    expect(missing!.stdout).toMatch(/headers +FAIL +missing svix-signature/);
    expect(missing!.stdout).toContain("(MISSING_HEADERS)");

    expect(old!.code).toBe(1);
    expect(old!.stdout).toMatch(/timestamp +FAIL +stale by 3300 s: signed 3600 s before now, the tolerance is 300 s/);
    expect(old!.stdout).toMatch(/signature +ok/);
    expect(old!.stdout).toContain("(TIMESTAMP_TOO_OLD)");

    expect(parsed!.code).toBe(1);
    expect(parsed!.stdout).toMatch(/signature +FAIL +mismatch: .*secret #1 matches JSON\.stringify\(JSON\.parse\(body\)\)\. The body was parsed and re-serialized/);
    expect(parsed!.stdout).toContain("(INVALID_SIGNATURE)");

    expect(wrongSecret!.code).toBe(1);
    expect(wrongSecret!.stdout).toMatch(/signature +FAIL +mismatch: none of the 1 secret\(s\) matches/);
  });
});

describe("events, schema, help and bad arguments", () => {
  it("lists the catalog and prints the shipped JSON Schema", async () => {
    const [events, schema] = await Promise.all([cli(["events"]), cli(["schema", "conversion.created"])]);
    expect(events.code).toBe(0);
    const lines = events.stdout.trim().split("\n");
    expect(lines).toHaveLength(13);
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(eventTypes);
    expect(lines[6]).toMatch(/^conversion\.created +conversion +a conversion is recorded/);
    expect(schema.code).toBe(0);
    expect(schema.stdout).toBe(readFileSync(join(root, "schemas", "agentref", "conversion.created.json"), "utf8"));
  });

  it("has --help for the tool and each command, and --version", async () => {
    const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
    const [help, sendHelp, versionRun] = await Promise.all([cli(["--help"]), cli(["send", "--help"]), cli(["--version"])]);
    expect(help.code).toBe(0);
    for (const command of ["send", "sign", "verify", "replay", "events", "schema"]) expect(help.stdout).toContain(`  ${command}`);
    expect(sendHelp.code).toBe(0);
    expect(sendHelp.stdout).toContain("Usage: agentref-webhooks send <type> --url URL --secret SECRET");
    expect(versionRun.stdout.trim()).toBe(version);
  });

  it("a bad argument exits 2 with one error line on stderr", async () => {
    const [unknownCommand, missingUrl] = await Promise.all([cli(["deploy"]), cli(["send", "conversion.created", "--secret", secret])]);
    for (const run of [unknownCommand, missingUrl]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
    }
    expect(unknownCommand.stderr).toMatch(/^error: unknown command "deploy"/);
    expect(missingUrl.stderr).toMatch(/^error: send: --url is required/);
  });
});

// Parked deliveries in each durable store, listed and replayed by a child process into a
// node:http receiver (createHandler with parking on) that shares the store.
describe("agentref-webhooks replay", () => {
  const HOUR = 3_600_000;
  const dir = mkdtempSync(join(tmpdir(), "agentref-cli-replay-"));
  const unique = `aw_cli_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const redis = redisUrl();
  const postgres = databaseUrl();

  /** A receiver parking into `store`, whose payout.failed handler throws until `fixed`; two deliveries parked. */
  async function parkedReceiver(store: IdempotencyStore) {
    const state = { fixed: false, ran: [] as string[] };
    const handler = createHandler({
      secret,
      store,
      parking: true,
      logger: {},
      on: {
        "payout.failed": async (event) => {
          if (!state.fixed) throw new Error("payments API\n down");
          state.ran.push(event.id);
        },
      },
    });
    const receiver = createServer(toNodeHandler(handler));
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const to = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/agentref`;
    // Created 47 h ago: the sender's last attempt, so a failure is parked.
    const createdAt = new Date(Date.now() - 47 * HOUR).toISOString();
    const ids = [`msg_replay_${unique}_a`, `msg_replay_${unique}_b`];
    for (const id of ids) {
      const response = await handler(await createSignedRequest(createTestEvent("payout.failed", { id, createdAt }), { secret }));
      expect(await response.json()).toMatchObject({ outcome: "parked" });
    }
    return { state, to, ids, close: () => new Promise((resolve) => receiver.close(resolve)) };
  }

  it("sqlite: --list prints them; a replay while still broken exits 1 and keeps them; after the fix each runs once, --limit first", async () => {
    const path = join(dir, "webhooks.db");
    const store = createSqliteStore({ path });
    const { state, to, ids, close } = await parkedReceiver(store);
    const target = ["--store", `sqlite:${path}`];
    try {
      const list = await cli(["replay", ...target, "--list"]);
      expect(list.stderr).toBe("");
      expect(list.code).toBe(0);
      const rows = list.stdout.trimEnd().split("\n");
      expect(rows[0]).toMatch(new RegExp(`^  payout\\.failed +${ids[0]} +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +.*payments API down$`));
      expect(rows[1]).toContain(ids[1]);
      expect(rows[2]).toBe(`2 deliveries parked in sqlite:${path}`);

      // Still broken: answered 200 parked, so both stay. The secret from the environment.
      const broken = await cli(["replay", ...target, "--to", to], { env: { AGENTREF_WEBHOOK_SECRET: secret } });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(new RegExp(`payout\\.failed +${ids[0]} +200 OK +parked +still parked`));
      expect(broken.stdout).toContain("2 deliveries replayed: 0 unparked, 2 still parked");
      expect(broken.stderr).toMatch(/^error: 2 of 2 deliveries stayed parked/);
      expect(await listParked({ store })).toHaveLength(2);

      state.fixed = true;
      const first = await cli(["replay", ...target, "--to", to, "--secret", secret, "--limit", "1"]);
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`payout\\.failed +${ids[0]} +200 OK +handled +unparked`));
      expect(first.stdout).toContain("1 delivery replayed: 1 unparked, 0 still parked");
      expect(state.ran).toEqual([ids[0]]);

      const rest = await cli(["replay", ...target, "--to", to, "--secret", secret]);
      expect(rest.code).toBe(0);
      expect(state.ran).toEqual(ids);
      const again = await cli(["replay", ...target, "--to", to, "--secret", secret]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("nothing to replay");
      expect(state.ran).toEqual(ids);
      expect(await listParked({ store })).toEqual([]);
    } finally {
      await close();
      await store.close();
    }
  }, 60_000);

  it("an unreachable receiver leaves the deliveries parked (exit 1, no answer)", async () => {
    const path = join(dir, "unreachable.db");
    const store = createSqliteStore({ path });
    const { close } = await parkedReceiver(store);
    try {
      const run = await cli(["replay", "--store", `sqlite:${path}`, "--to", "http://127.0.0.1:1/webhooks/agentref", "--secret", secret]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/no answer +- +still parked/);
      expect(await listParked({ store })).toHaveLength(2);
    } finally {
      await close();
      await store.close();
    }
  });

  // The CLI loads ioredis when installed, else the redis package: a resolve hook hides ioredis.
  const hooks = join(dir, "hide-ioredis.mjs");
  writeFileSync(
    hooks,
    `export async function resolve(specifier, context, next) {
  if (specifier !== "ioredis") return next(specifier, context);
  throw Object.assign(new Error("Cannot find package 'ioredis'"), { code: "ERR_MODULE_NOT_FOUND" });
}
`,
  );
  writeFileSync(join(dir, "hide-ioredis-register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const hideIoredis = { NODE_OPTIONS: `--import ${pathToFileURL(join(dir, "hide-ioredis-register.mjs")).href}` };

  const redisDrivers = [
    ["ioredis", {}],
    ["redis (node-redis)", hideIoredis],
  ] as const;

  it.each(redisDrivers)("%s: an unreachable Redis is one error line (exit 1)", async (_driver, env) => {
    const run = await cli(["replay", "--store", "redis://127.0.0.1:1", "--list"], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: cannot connect to redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it.skipIf(redis === undefined).each(redisDrivers)("%s: --prefix, list and replay", async (driver, env) => {
    const client = new Redis(redis ?? "", { lazyConnect: true });
    await client.connect();
    const prefix = `${unique}:${driver}:`;
    const store = createRedisStore({ client, prefix });
    const { state, to, ids, close } = await parkedReceiver(store);
    try {
      const list = await cli(["replay", "--store", redis!, "--prefix", prefix, "--list"], { env });
      expect(list.stderr).toBe("");
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(`2 deliveries parked in ${new URL(redis!).href}`);
      state.fixed = true;
      const run = await cli(["replay", "--store", redis!, "--prefix", prefix, "--to", to, "--secret", secret], { env });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("2 deliveries replayed: 2 unparked, 0 still parked");
      expect(state.ran).toEqual(ids);
    } finally {
      await close();
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    }
  }, 60_000);

  it.skipIf(postgres === undefined)("postgres: --table, list and replay", async () => {
    const pool = new pg.Pool({ connectionString: postgres, max: 2 });
    const table = unique;
    const store = createPostgresStore({ pool, table });
    await store.migrate();
    const { state, to, ids, close } = await parkedReceiver(store);
    try {
      const list = await cli(["replay", "--store", postgres!, "--table", table, "--list"]);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain("2 deliveries parked in postgres://");
      state.fixed = true;
      const run = await cli(["replay", "--store", postgres!, "--table", table, "--to", to, "--secret", secret]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("2 deliveries replayed: 2 unparked, 0 still parked");
      expect(state.ran).toEqual(ids);
      // A table that does not exist: one error line naming it, exit 1.
      const missing = await cli(["replay", "--store", postgres!, "--table", `${table}_nope`, "--list"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^error: postgres:\/\/.*does not exist/);
    } finally {
      await close();
      for (const suffix of ["", "_entities", "_parked"]) await pool.query(`DROP TABLE IF EXISTS "${table}${suffix}"`);
      await pool.end();
    }
  }, 60_000);
});

// The same entry point in process (runCli), for the many argument checks: one child
// process each would make this suite slow without testing anything more.
describe("argument checking (runCli in process)", () => {
  async function runInProcess(args: string[], env: Record<string, string> = {}) {
    let stdout = "";
    let stderr = "";
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: (async function* () {})(),
      env,
    };
    const code = await runCli(args, io);
    return { code, stdout, stderr };
  }

  it.each([
    [["send", "conversion.created", "--url", "http://127.0.0.1:1/", "--secret", "s", "--times", "many"], /--times must be a whole number/],
    [["send", "conversion.created", "--url", "http://127.0.0.1:1/", "--secret", "s", "--concurrency", "0"], /--concurrency must be between 1 and 1000/],
    [["send", "conversion.deleted", "--url", "http://127.0.0.1:1/", "--secret", "s"], /"conversion\.deleted" is not an event type of agentref \(known: program\.created/],
    [["send", "conversion.created", "--url", "localhost:3000", "--secret", "s"], /--url must be http:\/\/ or https:\/\/|is not a URL/],
    [["send", "conversion.created", "--url", "http://127.0.0.1:1/"], /--secret is required \(or set AGENTREF_WEBHOOK_SECRET\)/],
    [["send", "conversion.created", "--url", "http://127.0.0.1:1/", "--secret", "s", "--data", "{amount: 1}"], /--data is not valid JSON/],
    [["send", "conversion.created", "--url", "http://127.0.0.1:1/", "--secret", "s", "--data", "[1]"], /--data must be a JSON object/],
    [["send", "conversion.created", "--url", "http://127.0.0.1:1/", "--secret", "s", "--id", "msg_1", "--fresh-ids"], /--id and --fresh-ids contradict each other/],
    [["send"], /send: which event type\?/],
    [["send", "a.b", "c.d", "--url", "http://127.0.0.1:1/"], /unexpected argument "c\.d"/],
    [["sign", "--secret", "s", "--timestamp", "1.5"], /--timestamp must be Unix seconds/],
    [["verify", "--secret", "s", "--headers", "/nonexistent/headers.txt", "--body", "/nonexistent/body"], /--headers: cannot read "\/nonexistent\/headers\.txt" \(no such file\)/],
    [["verify", "--secret", "s", "--body", "b"], /--headers FILE is required/],
    [["verify", "--secret", "s", "--headers", "-", "--body", "-"], /cannot both be read from stdin/],
    [["events", "--nope"], /events: Unknown option '--nope'/],
    [["events", "payout"], /events: unexpected argument "payout"; events takes options only/],
    [["events", "--provider", "stripe"], /unknown provider "stripe" \(known: agentref, agentsync, agiled, agentsend\)/],
    [["schema"], /schema: which event type\?/],
    [["schema", "payout.exploded"], /not an event type of agentref/],
    [["replay", "--to", "http://127.0.0.1:1/", "--secret", "s"], /replay: --store is required/],
    [["replay", "--store", "mysql://127.0.0.1/db", "--list"], /--store "mysql:\/\/127\.0\.0\.1\/db" is not a store URL: write sqlite:PATH, redis:\/\//],
    [["replay", "--store", "sqlite:/nonexistent/webhooks.db", "--list"], /no such file "\/nonexistent\/webhooks\.db"/],
    [["replay", "--store", "sqlite:webhooks.db"], /replay: --to is required/],
    [["replay", "--store", "sqlite:webhooks.db", "--to", "http://127.0.0.1:1/"], /--secret is required \(or set AGENTREF_WEBHOOK_SECRET\)/],
    [["replay", "--store", "redis://127.0.0.1:1", "--table", "t", "--list"], /--table is for a SQLite or PostgreSQL store/],
    [["replay", "--store", "sqlite:webhooks.db", "--prefix", "p:", "--list"], /--prefix is for a Redis store/],
    [["replay", "--store", "sqlite:webhooks.db", "--list", "--limit", "0"], /--limit must be between 1 and/],
    [["replay", "extra", "--store", "sqlite:webhooks.db"], /replay: unexpected argument "extra"/],
  ])("%j", async (args, message) => {
    const run = await runInProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: /);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("sign refuses an empty body", async () => {
    const run = await runInProcess(["sign", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the body on stdin is empty");
  });

  it("reads the secret of another provider from its own variable", async () => {
    const run = await runInProcess(["send", "invoice.paid", "--provider", "agiled", "--url", "http://127.0.0.1:1/"]);
    expect(run.stderr).toContain("--secret is required (or set AGILED_WEBHOOK_SECRET)");
  });
});
