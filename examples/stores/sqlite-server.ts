// One host, durable dedupe, no database server: every process that opens the file shares it.
//   AGENTREF_WEBHOOK_SECRET=whsec_… WEBHOOK_DB=/var/lib/myapp/webhooks.db npx tsx examples/stores/sqlite-server.ts
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { createSqliteStore } from "agentref-webhooks/sqlite";

// Opened on the first delivery; needs node:sqlite (Node 22.13+), Bun, or `npm install better-sqlite3@12`.
const store = createSqliteStore({ path: process.env.WEBHOOK_DB ?? "webhooks.db" });
// Expired records already count as absent; purging keeps the file small.
setInterval(() => store.purgeExpired().catch(() => {}), 3_600_000).unref();

const handler = createHandler({
  secret: process.env.AGENTREF_WEBHOOK_SECRET!,
  store,
  on: {
    "conversion.created": async (event) => {
      console.log(`conversion ${event.id}: commission ${event.data.commissionAmount} ${event.data.currency}`);
    },
  },
});

const server = createServer(toNodeHandler(handler));
server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${(server.address() as AddressInfo).port}/webhooks/agentref`);
});
process.on("SIGTERM", () => server.close(() => void store.close()));
