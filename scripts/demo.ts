// npm run demo: the node-http example on a free loopback port, sent every documented
// sample event and a few deliveries that must be refused. Exits 0 only when every
// answer is the expected one.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createMemoryStore, standardWebhooksScheme } from "agentref-webhooks";
import { start } from "../examples/node-http/server.js";
import { sampleEvents } from "../src/events/samples.js";

// A throwaway secret, made up for this run only.
const DEMO_SECRET = `whsec_${randomBytes(32).toString("base64")}`;

interface Delivery {
  label: string;
  type: string;
  body: string;
  /** What the signature covers, when it differs from what is sent (tampering). */
  signedBody?: string;
  timestamp?: Date;
  expect: { status: number; outcome: string };
}

const samples: Delivery[] = Object.values(sampleEvents).map((event) => ({
  label: "sample",
  type: event.type,
  body: JSON.stringify(event),
  expect: { status: 200, outcome: "handled" },
}));
const conversion = JSON.stringify(sampleEvents["conversion.created"]);
const deliveries: Delivery[] = [
  ...samples,
  { label: "duplicate (a retry)", type: "conversion.created", body: conversion, expect: { status: 200, outcome: "duplicate" } },
  {
    label: "tampered body",
    type: "payout.failed",
    body: JSON.stringify({ ...sampleEvents["payout.failed"], id: "msg_tampered", data: { ...sampleEvents["payout.failed"].data, amount: 999_999 } }),
    signedBody: JSON.stringify({ ...sampleEvents["payout.failed"], id: "msg_tampered" }),
    expect: { status: 401, outcome: "INVALID_SIGNATURE" },
  },
  {
    label: "stale timestamp (10 min)",
    type: "conversion.created",
    body: JSON.stringify({ ...sampleEvents["conversion.created"], id: "msg_stale" }),
    timestamp: new Date(Date.now() - 10 * 60_000),
    expect: { status: 401, outcome: "TIMESTAMP_TOO_OLD" },
  },
  {
    label: "unknown event type",
    type: "referral.clicked",
    body: JSON.stringify({ ...sampleEvents["conversion.created"], id: "msg_unknown", type: "referral.clicked" }),
    expect: { status: 200, outcome: "unknown" },
  },
];

async function main(): Promise<boolean> {
  const handlerLog: string[] = [];
  const server = await start(0, { secret: DEMO_SECRET, store: createMemoryStore(), log: (line) => void handlerLog.push(line) });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`;
  console.log(`node-http example listening on ${url}\n`);

  const rows: string[][] = [["#", "delivery", "type", "status", "outcome", ""]];
  let failures = 0;
  try {
    for (const [index, delivery] of deliveries.entries()) {
      const id = (JSON.parse(delivery.body) as { id: string }).id;
      const headers = await standardWebhooksScheme.sign({
        id,
        body: delivery.signedBody ?? delivery.body,
        secret: DEMO_SECRET,
        timestamp: delivery.timestamp,
      });
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: delivery.body,
        signal: AbortSignal.timeout(5_000),
      });
      const answer = (await response.json()) as { outcome?: string; code?: string };
      const outcome = answer.outcome ?? answer.code ?? "?";
      const ok = response.status === delivery.expect.status && outcome === delivery.expect.outcome;
      if (!ok) failures++;
      rows.push([
        String(index + 1),
        delivery.label,
        delivery.type,
        String(response.status),
        outcome,
        ok ? "ok" : `EXPECTED ${delivery.expect.status} ${delivery.expect.outcome}`,
      ]);
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd());

  // Each handled sample reached its typed handler exactly once, and onUnknown ran for the unknown type.
  const ran = deliveries.filter((d) => d.expect.outcome === "handled" || d.expect.outcome === "unknown").length;
  if (handlerLog.length !== ran) {
    failures++;
    console.log(`\nexpected ${ran} handler log lines, got ${handlerLog.length}`);
  }
  console.log(`\nhandlers logged:\n${handlerLog.map((line) => `  ${line}`).join("\n")}`);
  console.log(
    failures === 0
      ? `\nall ${deliveries.length} deliveries answered as expected`
      : `\n${failures} unexpected result(s) out of ${deliveries.length} deliveries`,
  );
  return failures === 0;
}

// A hung delivery must fail the demo, not the CI job's overall timeout.
const watchdog = setTimeout(() => {
  console.error("demo: no result within 20 s");
  process.exit(1);
}, 20_000);
watchdog.unref();

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    console.error("demo failed:", error);
    process.exitCode = 1;
  },
);
