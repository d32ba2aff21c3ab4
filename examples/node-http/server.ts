// AgentRef webhooks on plain node:http.
//   AGENTREF_WEBHOOK_SECRET=whsec_… npx tsx examples/node-http/server.ts
// then point the endpoint at http://<host>:3000/webhooks/agentref
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createHandler, createMemoryStore, type IdempotencyStore } from "agentref-webhooks";
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
  /** Where processed deliveries are remembered. Default: in memory (one process). */
  store?: IdempotencyStore;
  /** Where typed events are logged. Default: console.log. */
  log?: (line: string) => void;
}

/**
 * The app with the webhook route mounted at /webhooks/agentref.
 *
 * @example
 * const app = createApp({ secret: "whsec_…" });
 */
export function createApp(options: AppOptions = {}): Server {
  const secret = options.secret ?? process.env.AGENTREF_WEBHOOK_SECRET;
  if (!secret) throw new Error("Set AGENTREF_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…).");
  const log = options.log ?? console.log;

  const handler = createHandler({
    secret,
    store: options.store ?? createMemoryStore(),
    // Every event type must be handled or ignored: a new type in an SDK upgrade breaks the build, not production.
    exhaustive: true,
    on: {
      "program.created": (event) => log(`program.created ${event.data.name}`),
      "program.updated": (event) => log(`program.updated ${event.data.id}: ${event.data.updatedFields.join(", ")}`),
      "affiliate.joined": (event) => log(`affiliate.joined ${event.data.email}`),
      "affiliate.approved": (event) => log(`affiliate.approved ${event.data.id}`),
      "affiliate.blocked": (event) => log(`affiliate.blocked ${event.data.id}`),
      "affiliate.unblocked": (event) => log(`affiliate.unblocked ${event.data.id}`),
      "conversion.created": (event) => log(`conversion.created ${event.data.commissionAmount} ${event.data.currency}`),
      "conversion.refunded": (event) => log(`conversion.refunded ${event.data.id}`),
      "payout.created": (event) => log(`payout.created ${event.data.amount} ${event.data.currency}`),
      "payout.processing": (event) => log(`payout.processing ${event.data.id}`),
      "payout.completed": (event) => log(`payout.completed ${event.data.id}`),
      "payout.failed": (event) => log(`payout.failed ${event.data.failureReason}`),
      "flag.resolved": (event) => log(`flag.resolved ${event.data.resolution}`),
    },
    onUnknown: (event) => log(`unknown event type ${event.type}: upgrade agentref-webhooks`),
  });
  const webhooks = toNodeHandler(handler);

  return createServer((req, res) => {
    if (req.url === "/webhooks/agentref") return void webhooks(req, res);
    res.writeHead(404).end();
  });
}

/**
 * Starts the app on 127.0.0.1 (port 0 picks a free port).
 *
 * @example
 * const server = await start(0, { secret: "whsec_…" });
 */
export async function start(port = Number(process.env.PORT ?? 3000), options: AppOptions = {}): Promise<Server> {
  const server = createApp(options);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start();
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`);
}
