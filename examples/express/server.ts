// AgentRef webhooks in an Express 4 / 5 app.
//   AGENTREF_WEBHOOK_SECRET=whsec_… npx tsx examples/express/server.ts
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import express, { type Express } from "express";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";

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
export function createApp(options: AppOptions = {}): Express {
  const secret = options.secret ?? process.env.AGENTREF_WEBHOOK_SECRET;
  if (!secret) throw new Error("Set AGENTREF_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…).");
  const log = options.log ?? console.log;

  const webhooks = createHandler({
    secret,
    on: {
      "conversion.created": async (event) => {
        log(`conversion ${event.data.id}: commission ${event.data.commissionAmount} ${event.data.currency} for ${event.data.affiliateId}`);
      },
      "payout.failed": async (event) => {
        log(`payout ${event.data.id} failed: ${event.data.failureReason}`);
      },
    },
    onUnhandled: (event) => log(`not handled: ${event.type}`),
  });

  const app = express();
  // Before express.json(): the signature covers the raw bytes, which express.json() would consume.
  app.post("/webhooks/agentref", toNodeHandler(webhooks));
  app.use(express.json());
  app.get("/health", (_req, res) => {
    res.json({ ok: true });
  });
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
  return new Promise((resolve, reject) => {
    const server = app.listen(port, "127.0.0.1", (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start();
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`);
}
