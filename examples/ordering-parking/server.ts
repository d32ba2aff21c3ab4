// Payout statuses that never go back, and nothing lost after AgentRef's last retry.
//   AGENTREF_WEBHOOK_SECRET=whsec_… WEBHOOK_DB=webhooks.db npx tsx examples/ordering-parking/server.ts
// then, after fixing whatever made deliveries park:
//   AGENTREF_WEBHOOK_SECRET=whsec_… WEBHOOK_DB=webhooks.db npx tsx examples/ordering-parking/replay.ts
import { createServer, type Server } from "node:http";
import { createHandler, type LifecycleInfo } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { createSqliteStore } from "agentref-webhooks/sqlite";

/** What the app keeps: each payout's status (a real app writes it to its database). */
export type Ledger = Map<string, string>;

export interface Options {
  secret: string;
  /** The SQLite file: dedupe records, entity positions and parked deliveries survive restarts. */
  dbPath: string;
  ledger?: Ledger;
  /** Stands in for a downstream API: the payout handlers throw while it returns false. */
  paymentsUp?: () => boolean;
  log?: (line: string) => void;
}

export function start(port: number, options: Options): Promise<Server & { ledger: Ledger }> {
  const ledger = options.ledger ?? new Map<string, string>();
  const log = options.log ?? console.log;
  const store = createSqliteStore({ path: options.dbPath });

  const setStatus = async (event: { data: { id: string; status: string } }) => {
    if (options.paymentsUp && !options.paymentsUp()) throw new Error("payments API unavailable");
    ledger.set(event.data.id, event.data.status);
    log(`payout ${event.data.id}: ${event.data.status}`);
  };

  const handler = createHandler({
    secret: options.secret,
    store,
    // One payout's events run one at a time, and a late retry of an older one is skipped.
    ordering: true,
    onStale: (info: LifecycleInfo) => log(`stale ${info.type} ${info.eventId}: a newer event of this payout was applied`),
    // A failure on AgentRef's last attempt is kept in the store, answered 200 "parked".
    parking: true,
    onFailed: (info: LifecycleInfo) => log(`${info.outcome} ${info.type} ${info.eventId}: ${info.error?.message}`),
    on: {
      "payout.created": setStatus,
      "payout.processing": setStatus,
      "payout.completed": setStatus,
      "payout.failed": setStatus,
    },
  });

  const server = createServer(toNodeHandler(handler));
  server.on("close", () => void store.close());
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(Object.assign(server, { ledger }))));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await start(Number(process.env.PORT ?? 3000), { secret: process.env.AGENTREF_WEBHOOK_SECRET!, dbPath: process.env.WEBHOOK_DB ?? "webhooks.db" });
  console.log(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}/webhooks/agentref`);
  process.on("SIGTERM", () => server.close());
}
