import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createHandler, createMemoryStore } from "agentref-webhooks";
import { agentrefRetrySchedule } from "../../../src/providers/agentref.js";
import { agiled } from "agentref-webhooks/agiled";
import { toNodeHandler } from "agentref-webhooks/node";
import { createSignedRequest, createTestEvent, createVirtualClock, generateSecret, simulateDelivery } from "agentref-webhooks/testing";

const minute = 60_000;

/** Wraps a target to record the signature headers of every attempt. */
function recording(target: (request: Request) => Promise<Response>) {
  const seen: { id: string | null; timestamp: string | null; signature: string | null }[] = [];
  const wrapped = (request: Request) => {
    seen.push({ id: request.headers.get("svix-id"), timestamp: request.headers.get("svix-timestamp"), signature: request.headers.get("svix-signature") });
    return target(request);
  };
  return { seen, wrapped };
}

/** A createHandler receiver whose conversion handler throws `failures` times, then credits a ledger. */
function flakyReceiver(secret: string, failures: number, now?: () => number) {
  const ledger: string[] = [];
  let calls = 0;
  const handler = createHandler({
    secret,
    store: createMemoryStore(),
    ...(now ? { now } : {}),
    logger: { warn: () => {}, error: () => {} },
    on: {
      "conversion.created": async (event) => {
        calls++;
        if (calls <= failures) throw new Error(`downstream unavailable (call ${calls})`);
        ledger.push(`${event.data.affiliateId}+${event.data.commissionAmount}`);
      },
    },
  });
  return { handler, ledger, calls: () => calls };
}

describe("simulateDelivery against a handler", () => {
  it("retries a handler that fails twice: 3 attempts at 0, 60 s and 360 s, one svix-id, distinct timestamps, one side effect", async () => {
    const secret = generateSecret();
    const clock = createVirtualClock(Date.UTC(2026, 3, 1, 12));
    const receiver = flakyReceiver(secret, 2, clock.now);
    const { seen, wrapped } = recording(receiver.handler);
    const event = createTestEvent("conversion.created");

    const started = performance.now();
    const result = await simulateDelivery({ target: wrapped, event, secret, clock });
    expect(performance.now() - started).toBeLessThan(5_000); // 6 virtual minutes, not real ones

    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => a.scheduledAt)).toEqual([0, minute, 6 * minute]);
    expect(result.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(result.attempts.map((a) => a.ok)).toEqual([false, false, true]);
    expect(result.attempts.map((a) => a.at.toISOString())).toEqual(["2026-04-01T12:00:00.000Z", "2026-04-01T12:01:00.000Z", "2026-04-01T12:06:00.000Z"]);
    for (const attempt of result.attempts) expect(attempt.durationMs).toBeGreaterThanOrEqual(0);

    expect(new Set(seen.map((s) => s.id))).toEqual(new Set([event.id]));
    expect(result.id).toBe(event.id);
    const timestamps = seen.map((s) => Number(s.timestamp));
    expect(new Set(timestamps).size).toBe(3);
    expect(timestamps.map((t) => t - timestamps[0]!)).toEqual([0, 60, 360]);
    expect(new Set(seen.map((s) => s.signature)).size).toBe(3);

    expect(receiver.calls()).toBe(3);
    expect(receiver.ledger).toEqual(["aff_def456+2970"]);
    // AgentRef may still deliver it again later: the receiver answers 200 without re-crediting.
    const again = await receiver.handler(await createSignedRequest(event, { secret, timestamp: Math.floor(clock.now() / 1000) }));
    expect(again.status).toBe(200);
    expect(receiver.ledger).toHaveLength(1);
  });

  it("signs with the real time by default, which a receiver on the real clock accepts on every attempt", async () => {
    const secret = generateSecret();
    const receiver = flakyReceiver(secret, 3);
    const { seen, wrapped } = recording(receiver.handler);
    const before = Math.floor(Date.now() / 1000);
    const result = await simulateDelivery({ target: wrapped, event: createTestEvent("conversion.created"), secret });
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => a.status)).toEqual([500, 500, 500, 200]);
    expect(result.attempts.at(-1)!.scheduledAt).toBe(21 * minute);
    for (const s of seen) expect(Math.abs(Number(s.timestamp) - before)).toBeLessThanOrEqual(2);
    expect(receiver.ledger).toHaveLength(1);
  });

  it("needs the same clock on both sides: a receiver on the real clock rejects attempts signed 6 virtual minutes ahead", async () => {
    const secret = generateSecret();
    const clock = createVirtualClock();
    const receiver = flakyReceiver(secret, 100); // never succeeds: every attempt is checked
    const result = await simulateDelivery({ target: receiver.handler, event: createTestEvent("conversion.created"), secret, clock, schedule: [0, minute, 5 * minute] });
    // +0 and +60 s are within the 300 s tolerance of the real clock; +360 s is not.
    expect(result.attempts.map((a) => a.status)).toEqual([500, 500, 401]);
    expect(result.attempts[2]!.responseBody).toContain("TIMESTAMP_TOO_NEW");
  });

  it("follows AgentRef's whole schedule (9 attempts over ~46 h) in milliseconds, then reports not delivered", async () => {
    const secret = generateSecret();
    const target = async () => new Response("down", { status: 503 });
    const progress: number[] = [];
    const started = performance.now();
    const result = await simulateDelivery({ target, event: createTestEvent("payout.failed"), secret, onAttempt: (a) => progress.push(a.attempt) });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.delivered).toBe(false);
    const cumulative = agentrefRetrySchedule.map((_, i) => agentrefRetrySchedule.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(result.attempts.map((a) => a.scheduledAt)).toEqual(cumulative);
    expect(cumulative.at(-1)! / 3_600_000).toBeCloseTo(46.35, 2);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result.attempts[0]!.responseBody).toBe("down");
  });

  it("counts a timeout as a failure and aborts the request", async () => {
    const secret = generateSecret();
    let calls = 0;
    let firstSignal: AbortSignal | undefined;
    const target = async (request: Request) => {
      calls++;
      if (calls === 1) {
        firstSignal = request.signal;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      return new Response(null, { status: 204 });
    };
    const result = await simulateDelivery({ target, event: createTestEvent("payout.created"), secret, timeoutMs: 50 });
    expect(result.delivered).toBe(true);
    expect(result.attempts[0]).toMatchObject({ timedOut: true, status: undefined, ok: false });
    expect(result.attempts[0]!.durationMs).toBeGreaterThanOrEqual(45);
    expect(result.attempts[0]!.durationMs).toBeLessThan(450);
    expect(firstSignal?.aborted).toBe(true);
    expect(result.attempts[1]).toMatchObject({ status: 204, ok: true, timedOut: false, scheduledAt: minute });
  });

  it("retries 3xx and 4xx answers like AgentRef (only 2xx counts) and records a throwing target as an error", async () => {
    const secret = generateSecret();
    const answers = [302, 404, 410];
    let i = 0;
    const target = async () => {
      const status = answers[i++];
      if (status === undefined) throw new Error("socket hang up");
      return new Response(null, { status });
    };
    const result = await simulateDelivery({ target, event: createTestEvent("payout.created"), secret, schedule: [0, 1, 1, 1] });
    expect(result.attempts.map((a) => a.status)).toEqual([302, 404, 410, undefined]);
    expect(result.attempts[3]!.error).toContain("socket hang up");
    expect(result.delivered).toBe(false);
  });

  it("follows the provider's schedule and scheme (Agiled: 6 attempts, hex signatures)", async () => {
    const secret = "agiled-subscription-secret-0123456789";
    const handler = createHandler({ provider: agiled, secret, store: createMemoryStore(), on: { "invoice.paid": () => {} } });
    const failing = async () => new Response(null, { status: 500 });
    const failed = await simulateDelivery({ target: failing, event: createTestEvent("invoice.paid", undefined, { provider: agiled }), secret, provider: agiled });
    expect(failed.attempts.map((a) => a.scheduledAt / minute)).toEqual([0, 1, 6, 21, 51, 111]);
    const ok = await simulateDelivery({ target: handler, event: createTestEvent("invoice.paid", undefined, { provider: agiled }), secret, provider: agiled });
    expect(ok.attempts.map((a) => a.status)).toEqual([200]);
  });

  it("rejects an empty or negative schedule", async () => {
    const options = { target: async () => new Response(), event: createTestEvent("payout.created"), secret: generateSecret() };
    await expect(simulateDelivery({ ...options, schedule: [] })).rejects.toThrow(RangeError);
    await expect(simulateDelivery({ ...options, schedule: [0, -1] })).rejects.toThrow(/>= 0/);
  });
});

describe("simulateDelivery against a URL", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(listener);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/agentref`;
  }

  it("POSTs to a real node:http server through fetch", async () => {
    const secret = generateSecret();
    const receiver = flakyReceiver(secret, 1);
    const url = await listen(toNodeHandler(receiver.handler));
    const result = await simulateDelivery({ target: url, event: createTestEvent("conversion.created"), secret });
    expect(result.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(receiver.ledger).toHaveLength(1);
  });

  it("records a refused connection as an error and keeps retrying", async () => {
    const url = await listen(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const result = await simulateDelivery({ target: url, event: createTestEvent("payout.created"), secret: generateSecret(), schedule: [0, 1000] });
    expect(result.delivered).toBe(false);
    expect(result.attempts).toHaveLength(2);
    expect(result.attempts[0]!.status).toBeUndefined();
    expect(result.attempts[0]!.error).toMatch(/fetch failed|ECONNREFUSED/);
  });
});
