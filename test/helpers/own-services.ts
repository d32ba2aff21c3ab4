// A redis-server and a PostgreSQL instance of our own, on free loopback ports in a
// directory we own, that a test or the soak can crash and restart at will without
// disturbing the shared services. Used by scripts/soak.ts and
// test/integration/outages.test.ts.
//
// Needs `redis-server` on PATH and PostgreSQL's `initdb` / `pg_ctl` (on PATH or under
// /usr/lib/postgresql/*/bin); as root, PostgreSQL runs as the `postgres` user. When a
// binary is missing, the start functions throw a MissingService.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { Redis } from "ioredis";

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * await sleep(50);
 */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A TCP port that was free on 127.0.0.1 a moment ago.
 *
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The path of an executable found on PATH or in `extraDirs`, or undefined.
 *
 * @example
 * which("redis-server"); // "/usr/bin/redis-server"
 */
export function which(binary: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter), ...extraDirs];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Polls `check` every 50 ms until it resolves true; throws after `timeoutMs`.
 *
 * @example
 * await until("redis", async () => (await client.ping()) === "PONG");
 */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * A server binary this machine does not have.
 *
 * @example
 * if (error instanceof MissingService && !process.env.CI) console.warn(`[skip] ${error.message}`);
 */
export class MissingService extends Error {}

/**
 * A server we started ourselves.
 *
 * @example
 * const redis = await startRedis(dir);
 * await redis.crash(); // SIGKILL
 * await redis.start(); // same port, same data directory
 * await redis.stop();
 */
export interface OwnService {
  url: string;
  /** Kills the server without a chance to flush (SIGKILL / immediate shutdown). */
  crash(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Options of {@link startRedis}.
 *
 * @example
 * await startRedis(dir, { persistence: "off" });
 */
export interface RedisServiceOptions {
  /**
   * "always" (default: AOF, fsync on every write, as a production idempotency store must
   * run, so a crash loses no acknowledged record) or "off" (nothing survives a restart).
   */
  persistence?: "always" | "off";
}

/**
 * Starts a redis-server on a free loopback port, with its files in `dir`.
 *
 * @example
 * const redis = await startRedis(fs.mkdtempSync(path.join(os.tmpdir(), "redis-")));
 * const client = createClient({ url: redis.url });
 */
export async function startRedis(dir: string, options: RedisServiceOptions = {}): Promise<OwnService> {
  const binary = which("redis-server");
  if (!binary) throw new MissingService("redis-server is not on PATH");
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const persistence = options.persistence === "off" ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always"];
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, "--dir", dir, "--logfile", path.join(dir, "redis.log")];
  const ping = async () => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    try {
      await client.connect();
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  };
  const service: OwnService = {
    url,
    async start() {
      child = spawn(binary, args, { stdio: "ignore" });
      await until("redis-server", ping);
    },
    async crash() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill("SIGKILL");
      await exited;
    },
    async stop() {
      await service.crash();
    },
  };
  await service.start();
  return service;
}

/**
 * Creates a PostgreSQL cluster in `dir` (initdb, trust auth on loopback) and starts it on
 * a free port. `dir`'s parent must be traversable by the `postgres` user when run as root.
 *
 * @example
 * const postgres = await startPostgres(dir);
 * const pool = new pg.Pool({ connectionString: postgres.url });
 */
export async function startPostgres(dir: string): Promise<OwnService> {
  const extra = fs.existsSync("/usr/lib/postgresql")
    ? fs.readdirSync("/usr/lib/postgresql").sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const initdb = which("initdb", extra);
  const pgCtl = which("pg_ctl", extra);
  if (!initdb || !pgCtl) throw new MissingService("PostgreSQL's initdb / pg_ctl were not found");
  const port = await freePort();
  // initdb refuses to run as root: run PostgreSQL as the postgres user then.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    return execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }).toString();
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, "data");
  run(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60 -c shared_buffers=32MB -c fsync=on -c synchronous_commit=on`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const service: OwnService = {
    url,
    async start() {
      run(pgCtl, ["-D", data, "-o", options, "-l", path.join(dir, "postgres.log"), "-w", "-t", "60", "start"]);
    },
    async crash() {
      // An immediate shutdown is a crash: no checkpoint, WAL replay on the next start.
      run(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
    },
    async stop() {
      try {
        run(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
      } catch {
        // already down
      }
    },
  };
  await service.start();
  return service;
}
