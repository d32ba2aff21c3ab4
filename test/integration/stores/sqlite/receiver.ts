// A receiver process for the SQLite multi-process tests: createHandler on a SQLite store,
// served by node:http through toNodeHandler. Each run of the handler appends the event id to
// the ledger file (outside every process), so the test counts runs across processes.
// Env: DB_PATH, SECRET, LEDGER. Prints "listening <port>" when ready; exits on SIGTERM.
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { createSqliteStore } from "agentref-webhooks/sqlite";

const store = createSqliteStore({ path: process.env["DB_PATH"]!, logger: {} });
const handler = createHandler({
  secret: process.env["SECRET"]!,
  store,
  logger: {},
  on: {
    "conversion.created": async (event) => {
      appendFileSync(process.env["LEDGER"]!, `${process.pid} ${event.id}\n`);
      // Hold the claim a moment, so concurrent duplicates really overlap.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
    },
  },
});

const server = createServer(toNodeHandler(handler));
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => {
  server.close(() => {
    void store.close().then(() => process.exit(0));
  });
});
