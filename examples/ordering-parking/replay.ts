// Replays what was parked, through the running receiver, once the cause is fixed.
//   AGENTREF_WEBHOOK_SECRET=whsec_… WEBHOOK_DB=webhooks.db RECEIVER_URL=http://127.0.0.1:3000/ npx tsx examples/ordering-parking/replay.ts
import { listParked, replayParked } from "agentref-webhooks";
import { createSqliteStore } from "agentref-webhooks/sqlite";

export async function replay(options: { secret: string; dbPath: string; to: string; log?: (line: string) => void }) {
  const log = options.log ?? console.log;
  const store = createSqliteStore({ path: options.dbPath });
  try {
    for (const parked of await listParked({ store })) log(`parked ${parked.type} ${parked.eventId}: ${parked.reason}`);
    const { replayed } = await replayParked({ store, secret: options.secret, to: options.to });
    for (const delivery of replayed) log(`replayed ${delivery.type} ${delivery.eventId}: ${delivery.status} ${delivery.outcome}`);
    return replayed;
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const replayed = await replay({
    secret: process.env.AGENTREF_WEBHOOK_SECRET!,
    dbPath: process.env.WEBHOOK_DB ?? "webhooks.db",
    to: process.env.RECEIVER_URL ?? "http://127.0.0.1:3000/",
  });
  process.exitCode = replayed.every((delivery) => delivery.unparked) ? 0 : 1;
}
