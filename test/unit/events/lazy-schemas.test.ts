import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineProvider } from "../../../src/provider/define-provider.js";
import { eventSchemas, strictEventSchemas } from "../../../src/events/catalog.js";
import { lazyRecord, lenientOr, toStrict } from "../../../src/provider/schema-kit.js";
import { agentref } from "../../../src/providers/agentref.js";
import { standardWebhooksScheme } from "../../../src/verify/standard-webhooks.js";

describe("strict schemas are built on first use", () => {
  it("strictEventSchemas lists every type before building any, and builds each once", () => {
    expect(Object.keys(strictEventSchemas)).toEqual(Object.keys(eventSchemas));
    const first = strictEventSchemas["payout.failed"];
    expect(strictEventSchemas["payout.failed"]).toBe(first);
    expect(first.safeParse({ ...samplePayoutFailed(), surprise: true }).success).toBe(false);
  });

  it("a provider's strictEvents are lazy too, and follow its definition", () => {
    const derive = vi.fn((type: string) => z.strictObject({ type: z.literal(type) }));
    const events = { "a.b": z.looseObject({ type: z.literal("a.b") }), "c.d": z.looseObject({ type: z.literal("c.d") }) };
    const provider = defineProvider({
      name: "lazy",
      scheme: standardWebhooksScheme,
      envelope: { schema: z.looseObject({}), typeKey: "type" },
      events,
      strictEvents: lazyRecord(["a.b"] as const, derive),
    });
    expect(Object.keys(provider.strictEvents)).toEqual(["a.b", "c.d"]);
    expect(derive).not.toHaveBeenCalled();
    expect(provider.strictEvents["a.b"].safeParse({ type: "a.b", extra: 1 }).success).toBe(false);
    expect(derive).toHaveBeenCalledTimes(1);
    // Not given: derived from the lenient schema.
    expect(provider.strictEvents["c.d"].safeParse({ type: "c.d", extra: 1 }).success).toBe(false);
    expect(provider.strictEvents["c.d"].safeParse({ type: "c.d" }).success).toBe(true);
  });

  it("agentref's strict events reject what the lenient ones accept", () => {
    const event = { ...samplePayoutFailed(), data: { ...samplePayoutFailed().data, status: "someday" } };
    expect(agentref.events["payout.failed"].safeParse(event).success).toBe(true);
    expect(agentref.strictEvents["payout.failed"].safeParse(event).success).toBe(false);
  });

  it("lenientOr builds a strict counterpart given as a function once, when a strict schema is derived", () => {
    const strict = vi.fn(() => z.string().regex(/^x+$/));
    const schema = z.object({ a: lenientOr(z.string(), strict), b: z.string() });
    expect(strict).not.toHaveBeenCalled();
    const strictSchema = toStrict(schema);
    expect(strict).toHaveBeenCalledTimes(1);
    expect(strictSchema.safeParse({ a: "xx", b: "" }).success).toBe(true);
    expect(strictSchema.safeParse({ a: "y", b: "" }).success).toBe(false);
    toStrict(schema);
    expect(strict).toHaveBeenCalledTimes(1);
  });
});

function samplePayoutFailed() {
  return {
    id: "msg_1",
    type: "payout.failed",
    schemaVersion: 2,
    createdAt: "2026-03-23T18:00:00.000Z",
    merchantId: "mer_1",
    environment: "production",
    data: {
      id: "po_1",
      affiliateId: "aff_1",
      amount: 100,
      currency: "usd",
      status: "failed",
      failureReason: "bank account closed",
      failedAt: "2026-03-23T18:00:00.000Z",
    },
  };
}
