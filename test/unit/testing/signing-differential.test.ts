import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentsync } from "agentref-webhooks/agentsync";
import { signPayload } from "agentref-webhooks/testing";

// The testing kit signs through the provider's own scheme (no reference package at
// run time). The `standardwebhooks` package stays the oracle: every signature the
// kit writes must be the one the reference writes, and must pass its verification.
const runs = { seed: 0x51a7, numRuns: 150 } as const;

beforeAll(() => {
  // The reference's clock cannot be injected: Date is faked to each case's timestamp.
  vi.useFakeTimers({ toFake: ["Date"] });
});
afterAll(() => {
  vi.useRealTimers();
});

const key = fc.uint8Array({ minLength: 16, maxLength: 80 });
const id = fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !s.includes(" "));
const body = fc.oneof(
  fc.string({ maxLength: 300, unit: "binary" }),
  fc.string({ maxLength: 300, unit: "grapheme" }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom("", "{\"emoji\":\"👩‍👩‍👧‍👦\",\"ja\":\"日本語\"}"),
);
const timestamp = fc.integer({ min: 0, max: 4_102_444_800 });

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** What the reference says of one signed delivery, at the signed time. */
function referenceAccepts(secret: string, payload: string, headers: Record<string, string>, prefix: "svix" | "webhook"): boolean {
  vi.setSystemTime(Number(headers[`${prefix}-timestamp`]) * 1000);
  try {
    new Webhook(secret).verify(
      payload,
      {
        "webhook-id": headers[`${prefix}-id`]!,
        "webhook-timestamp": headers[`${prefix}-timestamp`]!,
        "webhook-signature": headers[`${prefix}-signature`]!,
      },
      { jsonParse: false },
    );
    return true;
  } catch {
    return false;
  }
}

describe("signPayload against the standardwebhooks reference", () => {
  it("writes exactly the reference's signature, and the reference verifies it", async () => {
    await fc.assert(
      fc.asyncProperty(key, id, timestamp, body, async (bytes, msgId, ts, payload) => {
        const secret = `whsec_${base64(bytes)}`;
        const headers = await signPayload({ body: payload, secret, id: msgId, timestamp: ts });
        expect(headers).toEqual({
          "svix-id": msgId,
          "svix-timestamp": String(ts),
          "svix-signature": new Webhook(secret).sign(msgId, new Date(ts * 1000), payload),
        });
        expect(referenceAccepts(secret, payload, headers, "svix")).toBe(true);
      }),
      runs,
    );
  });

  it("signs bytes as the reference signs their text", async () => {
    await fc.assert(
      fc.asyncProperty(key, id, timestamp, body, async (bytes, msgId, ts, payload) => {
        const secret = `whsec_${base64(bytes)}`;
        const headers = await signPayload({ body: new TextEncoder().encode(payload), secret, id: msgId, timestamp: ts });
        expect(referenceAccepts(secret, payload, headers, "svix")).toBe(true);
      }),
      runs,
    );
  });

  it("a base64url secret signs as its base64 form does (the reference reads base64 only)", async () => {
    await fc.assert(
      fc.asyncProperty(key, id, timestamp, body, async (bytes, msgId, ts, payload) => {
        const headers = await signPayload({ body: payload, secret: `whsec_${base64url(bytes)}`, id: msgId, timestamp: ts });
        expect(referenceAccepts(`whsec_${base64(bytes)}`, payload, headers, "svix")).toBe(true);
      }),
      runs,
    );
  });

  it("during a rotation, the reference verifies the header with each secret alone", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(key, { minLength: 2, maxLength: 4 }), id, timestamp, body, async (keys, msgId, ts, payload) => {
        const secrets = keys.map((k) => `whsec_${base64(k)}`);
        const headers = await signPayload({ body: payload, secret: secrets, id: msgId, timestamp: ts });
        expect(headers["svix-signature"]!.split(" ")).toHaveLength(secrets.length);
        for (const secret of secrets) expect(referenceAccepts(secret, payload, headers, "svix")).toBe(true);
      }),
      { ...runs, numRuns: 50 },
    );
  });

  it("webhook-* names, and AgentSync's scheme, sign the same bytes the reference does", async () => {
    await fc.assert(
      fc.asyncProperty(key, id, timestamp, body, async (bytes, msgId, ts, payload) => {
        const secret = `whsec_${base64(bytes)}`;
        const named = await signPayload({ body: payload, secret, id: msgId, timestamp: ts, headers: "webhook" });
        expect(referenceAccepts(secret, payload, named, "webhook")).toBe(true);
        const agentsyncHeaders = await signPayload({ body: payload, secret, id: msgId, timestamp: ts, provider: agentsync });
        expect(referenceAccepts(secret, payload, agentsyncHeaders, "webhook")).toBe(true);
      }),
      { ...runs, numRuns: 50 },
    );
  });

  it("a signature for another secret, time or body is rejected by the reference (the oracle can say no)", async () => {
    const secret = `whsec_${base64(new Uint8Array(24).fill(7))}`;
    const headers = await signPayload({ body: '{"a":1}', secret, id: "msg_1", timestamp: 1_700_000_000 });
    expect(referenceAccepts(secret, '{"a":1}', headers, "svix")).toBe(true);
    expect(referenceAccepts(`whsec_${base64(new Uint8Array(24).fill(8))}`, '{"a":1}', headers, "svix")).toBe(false);
    expect(referenceAccepts(secret, '{"a":2}', headers, "svix")).toBe(false);
    expect(referenceAccepts(secret, '{"a":1}', { ...headers, "svix-timestamp": "1700000001" }, "svix")).toBe(false);
  });
});
