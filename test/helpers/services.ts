import net from "node:net";

const warned = new Set<string>();

function serviceUrl(variable: string, what: string): string | undefined {
  const value = process.env[variable];
  if (value !== undefined && value !== "") return value;
  const reason =
    `${variable} is not set: the ${what} tests cannot run. ` +
    `Start the services with \`eval "$(scripts/ci-services.sh)"\` (or set ${variable} yourself).`;
  // In CI a missing service is a broken pipeline, not something to skip quietly.
  if (process.env["CI"]) throw new Error(`${reason} (CI is set, so this fails instead of skipping)`);
  if (!warned.has(variable)) {
    warned.add(variable);
    console.warn(`[skip] ${reason}`);
  }
  return undefined;
}

/**
 * The Redis URL from `REDIS_URL`; `undefined` (with a printed reason) when it is not
 * set outside CI, so suites can `describe.skipIf(!redisUrl())`. Throws when `CI` is set.
 *
 * @example
 * const url = redisUrl();
 * describe.skipIf(url === undefined)("redis store", () => { … });
 */
export function redisUrl(): string | undefined {
  return serviceUrl("REDIS_URL", "Redis");
}

/**
 * The PostgreSQL URL from `DATABASE_URL`; same rules as {@link redisUrl}.
 *
 * @example
 * const url = databaseUrl();
 * describe.skipIf(url === undefined)("postgres store", () => { … });
 */
export function databaseUrl(): string | undefined {
  return serviceUrl("DATABASE_URL", "PostgreSQL");
}

/**
 * A loopback TCP proxy in front of a real server, to cut and restore the connection
 * of a client under test (an outage without stopping the shared server).
 *
 * @example
 * const proxy = await startTcpProxy("127.0.0.1", 6379);
 * await proxy.stop();   // refuses new connections and drops open ones
 * await proxy.start();  // same port again
 */
export interface TcpProxy {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Starts a {@link TcpProxy} on a free loopback port.
 *
 * @example
 * const proxy = await startTcpProxy("127.0.0.1", 5432);
 * const pool = new pg.Pool({ host: "127.0.0.1", port: proxy.port });
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  return {
    get port() {
      return port;
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server === undefined) await listen();
    },
  };
}
