// AgentRef webhooks in a Hono app, served on Node with @hono/node-server.
// (On Bun, Deno, Cloudflare Workers: the same app, `export default app`.)
//   AGENTREF_WEBHOOK_SECRET=whsec_… npx tsx examples/hono/server.ts
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createHandler } from "agentref-webhooks";

/**
 * What `createApp` and `start` take; everything defaults to the environment.
 *
 * @example
 * createApp({ secret: process.env.AGENTREF_WEBHOOK_SECRET, log: (line) => logger.info(line) });
 */
export interface AppOptions {
  /** The endpoint's signing secret. Default: AGENTREF_WEBHOOK_SECRET. */
  secret?: string;
  /** Where typed events are logged. Default: console.log. */
  log?: (line: string) => void;
}

/**
 * The app with the webhook route mounted at /webhooks/agentref.
 *
 * @example
 * const app = createApp({ secret: "whsec_…" });
 */
export function createApp(options: AppOptions = {}): Hono {
  const secret = options.secret ?? process.env.AGENTREF_WEBHOOK_SECRET;
  if (!secret) throw new Error("Set AGENTREF_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…).");
  const log = options.log ?? console.log;

  const webhooks = createHandler({
    secret,
    on: {
      "affiliate.joined": (event) => log(`affiliate ${event.data.email} joined ${event.programId}`),
      "conversion.created": (event) => log(`conversion ${event.data.id}: commission ${event.data.commissionAmount} ${event.data.currency}`),
    },
  });

  const app = new Hono();
  // c.req.raw is the untouched Web Request: hand it over before anything reads the body.
  app.post("/webhooks/agentref", (c) => webhooks(c.req.raw));
  app.get("/health", (c) => c.json({ ok: true }));
  return app;
}

/**
 * Starts the app on 127.0.0.1 (port 0 picks a free port).
 *
 * @example
 * const server = await start(0, { secret: "whsec_…" });
 */
export function start(port = Number(process.env.PORT ?? 3000), options: AppOptions = {}): Promise<Server> {
  const app = createApp(options);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(server as Server));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start();
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`);
}
