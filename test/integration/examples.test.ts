// Each example app, started on a loopback port and sent signed deliveries.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createHandler } from "agentref-webhooks";
import { toNodeHandler } from "agentref-webhooks/node";
import { sampleEvents } from "../../src/events/samples.js";
import { listen, send } from "../helpers/http.js";
import { signDelivery, TEST_SECRET } from "../helpers/sign.js";

const conversion = JSON.stringify(sampleEvents["conversion.created"]);
const path = "/webhooks/agentref";
const deliver = (port: number, body = conversion, headers = signDelivery({ body })) => send(port, { path, body, headers });
const forged = (port: number) =>
  deliver(port, conversion, signDelivery({ body: conversion, secret: `whsec_${Buffer.from("an attacker's guess of a secret!").toString("base64")}` }));
const portOf = (server: Server) => (server.address() as AddressInfo).port;
const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe("examples/express", () => {
  it("verifies, routes and logs a typed event; rejects a forged one; the rest of the app parses JSON as usual", async () => {
    const { start } = await import("../../examples/express/server.js");
    const lines: string[] = [];
    const server = await start(0, { secret: TEST_SECRET, log: (line) => void lines.push(line) });
    try {
      const port = portOf(server);
      const ok = await deliver(port);
      expect([ok.status, ok.json?.outcome]).toEqual([200, "handled"]);
      expect(lines).toEqual(["conversion conv_ghi789: commission 2970 usd for aff_def456"]);
      expect((await forged(port)).status).toBe(401);
      expect(lines).toHaveLength(1);
      expect((await send(port, { method: "GET", path: "/health" })).json).toEqual({ ok: true });
    } finally {
      await closeServer(server);
    }
  });

  it("with express.json() mounted first: 500 BODY_ALREADY_PARSED, and the message names the fix", async () => {
    const handled = vi.fn();
    const app = express();
    app.use(express.json());
    app.post(path, toNodeHandler(createHandler({ secret: TEST_SECRET, logger: {}, on: { "conversion.created": handled } })));
    const running = await listen(app as unknown as Parameters<typeof listen>[0]);
    try {
      const answer = await deliver(running.port);
      expect(answer.status).toBe(500);
      expect(answer.json?.code).toBe("BODY_ALREADY_PARSED");
      expect(answer.json?.message).toContain('express.raw({ type: "application/json" }) on this route');
      expect(answer.json?.message).toContain("before app.use(express.json())");
      expect(handled).not.toHaveBeenCalled();
    } finally {
      await running.close();
    }
  });

  it("with express.raw({ type: \"application/json\" }) on the route: the kept Buffer is used", async () => {
    const handled = vi.fn();
    const app = express();
    app.post(path, express.raw({ type: "application/json" }), toNodeHandler(createHandler({ secret: TEST_SECRET, logger: {}, on: { "conversion.created": handled } })));
    const running = await listen(app as unknown as Parameters<typeof listen>[0]);
    try {
      expect((await deliver(running.port)).status).toBe(200);
      expect(handled).toHaveBeenCalledTimes(1);
    } finally {
      await running.close();
    }
  });
});

describe("examples/hono", () => {
  it("verifies, routes and logs a typed event; rejects a forged one", async () => {
    const { start } = await import("../../examples/hono/server.js");
    const lines: string[] = [];
    const server = await start(0, { secret: TEST_SECRET, log: (line) => void lines.push(line) });
    try {
      const port = portOf(server);
      const joined = JSON.stringify(sampleEvents["affiliate.joined"]);
      expect((await deliver(port, joined)).json?.outcome).toBe("handled");
      expect((await deliver(port)).json?.outcome).toBe("handled");
      expect(lines).toEqual([
        `affiliate ${sampleEvents["affiliate.joined"].data.email} joined prg_xyz789`,
        "conversion conv_ghi789: commission 2970 usd",
      ]);
      const bad = await forged(port);
      expect([bad.status, bad.json?.code]).toEqual([401, "INVALID_SIGNATURE"]);
      expect(lines).toHaveLength(2);
    } finally {
      await closeServer(server);
    }
  });
});

describe("examples/fastify", () => {
  it("verifies, routes and logs a typed event; rejects a forged one; other routes keep Fastify's parsers", async () => {
    const { start } = await import("../../examples/fastify/server.js");
    const lines: string[] = [];
    const { app, url } = await start(0, { secret: TEST_SECRET, log: (line) => void lines.push(line) });
    try {
      const port = Number(new URL(url).port);
      const flag = JSON.stringify(sampleEvents["flag.resolved"]);
      expect((await deliver(port)).json?.outcome).toBe("handled");
      expect((await deliver(port, flag)).json?.outcome).toBe("handled");
      expect(lines).toEqual(["conversion conv_ghi789: commission 2970 usd", expect.stringMatching(/^flag .+: dismissed|confirmed$/)]);
      expect((await forged(port)).status).toBe(401);
      // A repeat is acknowledged without running the handler again.
      expect((await deliver(port)).json?.outcome).toBe("duplicate");
      expect(lines).toHaveLength(2);
      expect((await send(port, { method: "GET", path: "/health" })).json).toEqual({ ok: true });
    } finally {
      await app.close();
    }
  });

  it("the body limit still applies inside Fastify (the scope's parser leaves the stream to the handler)", async () => {
    const { start } = await import("../../examples/fastify/server.js");
    const { app, url } = await start(0, { secret: TEST_SECRET, log: () => {} });
    try {
      const answer = await send(Number(new URL(url).port), {
        path,
        headers: signDelivery({ body: conversion }),
        chunks: [conversion, Buffer.alloc(64 * 1024, " ")],
        repeatUntilBytes: 8 * 1024 * 1024,
      });
      expect([answer.status, answer.json?.code]).toEqual([413, "BODY_TOO_LARGE"]);
    } finally {
      await app.close();
    }
  });
});

describe("examples/node-http", () => {
  it("handles every sample event with its typed handler; rejects a forged one", async () => {
    const { start } = await import("../../examples/node-http/server.js");
    const lines: string[] = [];
    const server = await start(0, { secret: TEST_SECRET, log: (line) => void lines.push(line) });
    try {
      const port = portOf(server);
      for (const event of Object.values(sampleEvents)) {
        const answer = await deliver(port, JSON.stringify(event));
        expect([answer.status, answer.json?.outcome], event.type).toEqual([200, "handled"]);
      }
      expect(lines).toHaveLength(13);
      expect(lines).toContain("payout.failed External payment rejected by provider");
      expect((await forged(port)).status).toBe(401);
      expect((await send(port, { method: "GET", path: "/elsewhere" })).status).toBe(404);
    } finally {
      await closeServer(server);
    }
  });
});

describe("examples/next", () => {
  const previous = process.env.AGENTREF_WEBHOOK_SECRET;
  beforeAll(() => {
    process.env.AGENTREF_WEBHOOK_SECRET = TEST_SECRET;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.AGENTREF_WEBHOOK_SECRET;
    else process.env.AGENTREF_WEBHOOK_SECRET = previous;
  });
  afterEach(() => vi.restoreAllMocks());

  it("App Router: POST is the handler, called with a real Request", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const route = await import("../../examples/next/app/api/webhooks/agentref/route.js");
    const request = new Request(`http://localhost:3000${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signDelivery({ body: conversion }) },
      body: conversion,
    });
    const response: Response = await route.POST(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, outcome: "handled" });
    expect(log).toHaveBeenCalledWith("conversion conv_ghi789: commission 2970 usd (delivery msg_007)");
    const forgedRequest = new Request(`http://localhost:3000${path}`, { method: "POST", headers: signDelivery({ body: "{}" }), body: conversion });
    expect((await route.POST(forgedRequest)).status).toBe(401);
  });

  it("Pages Router: the default export serves Next's IncomingMessage with bodyParser disabled", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const page = await import("../../examples/next/pages/api/webhooks/agentref.js");
    expect(page.config).toEqual({ api: { bodyParser: false } });
    const running = await listen((req, res) => void page.default(req, res));
    try {
      expect((await deliver(running.port)).json?.outcome).toBe("handled");
      expect(log).toHaveBeenCalledWith("conversion conv_ghi789: commission 2970 usd");
    } finally {
      await running.close();
    }
  });
});

describe("examples/otel", () => {
  it("prints the span tree of one delivery, as docs/telemetry.md shows", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/otel/print-spans.ts"], { timeout: 60_000 });
    const lines = stdout.trim().split("\n");
    expect(lines[1]).toBe("answered 200");
    expect(lines[2]).toMatch(/^webhook receive \([\d.]+ ms\) \{.*"webhook\.outcome":"handled"/);
    expect(lines.slice(3).map((l) => l.replace(/ \(.*$/, ""))).toEqual(["  webhook verify", "  webhook store.claim", "  webhook handler", "  webhook store.complete"]);
  });
});

describe("examples/ordering-parking", () => {
  it("payout statuses never go back; a failure on the last attempt is parked, survives a restart and is replayed once", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { start } = await import("../../examples/ordering-parking/server.js");
    const { replay } = await import("../../examples/ordering-parking/replay.js");
    const dir = mkdtempSync(join(tmpdir(), "agentref-ordering-"));
    const dbPath = join(dir, "webhooks.db");
    const lines: string[] = [];
    const payout = (type: "payout.created" | "payout.processing" | "payout.completed", minutes: number, ageMs = 0) => {
      const event = structuredClone(sampleEvents[type]) as Record<string, unknown>;
      event.id = `msg_example_${type}`;
      event.createdAt = new Date(Date.now() - ageMs + minutes * 60_000).toISOString();
      return JSON.stringify(event);
    };
    let up = true;
    let server = await start(0, { secret: TEST_SECRET, dbPath, paymentsUp: () => up, log: (line) => void lines.push(line) });
    try {
      const DAY = 24 * 3_600_000;
      // completed arrives before processing (a retry that came late): processing is stale.
      expect((await deliver(portOf(server), payout("payout.created", 0, 2 * DAY))).json?.outcome).toBe("handled");
      expect((await deliver(portOf(server), payout("payout.completed", 2, 2 * DAY))).json?.outcome).toBe("handled");
      expect((await deliver(portOf(server), payout("payout.processing", 1, 2 * DAY))).json?.outcome).toBe("stale");
      expect(server.ledger.get("pay_jkl012")).toBe("completed");

      // Another payout, its last attempt (created 2 days ago) while the payments API is down: parked.
      up = false;
      const failed = JSON.stringify({ ...sampleEvents["payout.failed"], id: "msg_example_failed", createdAt: new Date(Date.now() - 2 * DAY).toISOString(), data: { ...sampleEvents["payout.failed"].data, id: "pay_other" } });
      expect((await deliver(portOf(server), failed)).json?.outcome).toBe("parked");

      // Restart, fix, replay: run once; a second replay finds nothing.
      await closeServer(server);
      up = true;
      server = await start(0, { secret: TEST_SECRET, dbPath, paymentsUp: () => up, log: (line) => void lines.push(line) });
      const to = `http://127.0.0.1:${portOf(server)}/webhooks/agentref`;
      const first = await replay({ secret: TEST_SECRET, dbPath, to, log: (line) => void lines.push(line) });
      expect(first.map((d) => [d.eventId, d.outcome, d.unparked])).toEqual([["msg_example_failed", "handled", true]]);
      expect(await replay({ secret: TEST_SECRET, dbPath, to })).toEqual([]);
      expect(lines.filter((line) => line.startsWith("payout pay_other"))).toEqual(["payout pay_other: failed"]);
    } finally {
      await closeServer(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
