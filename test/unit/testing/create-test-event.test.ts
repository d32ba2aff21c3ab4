import { describe, expect, it, beforeEach } from "vitest";
import { z } from "zod";
import {
  defineProvider,
  eventSchemas,
  eventTypes,
  parseEvent,
  standardWebhooksScheme,
  strictEventSchemas,
  WebhookError,
} from "agentref-webhooks";
import { agiled } from "agentref-webhooks/agiled";
import { agentsync } from "agentref-webhooks/agentsync";
import {
  createTestEvent,
  createTestEventFactory,
  createVirtualClock,
  resetTestEvents,
  sampleEvents,
  sampleVariants,
} from "agentref-webhooks/testing";

beforeEach(() => resetTestEvents());

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("createTestEvent", () => {
  it("covers all 13 event types", () => {
    expect(eventTypes).toHaveLength(13);
  });

  it.each(eventTypes)("builds a valid %s event from the documented sample", (type) => {
    const event = createTestEvent(type);
    expect(event.type).toBe(type);
    expect(eventSchemas[type].safeParse(event).success).toBe(true);
    // The documented samples are strict-valid, so the defaults must be too.
    expect(strictEventSchemas[type].safeParse(event).success).toBe(true);
    expect(parseEvent(JSON.stringify(event))).toEqual(event);
    const sample = sampleEvents[type] as { merchantId: string; data: Record<string, unknown> };
    expect(event.merchantId).toBe(sample.merchantId);
    for (const [key, value] of Object.entries(sample.data)) {
      // Data timestamps that equalled the sample's createdAt now follow the generated one.
      const expected = value === (sample as unknown as { createdAt: string }).createdAt ? event.createdAt : value;
      expect((event.data as Record<string, unknown>)[key], key).toEqual(expected);
    }
  });

  it("is deterministic: ids count up from msg_test_0001, createdAt one second apart", () => {
    const first = createTestEvent("payout.failed");
    const second = createTestEvent("payout.failed");
    expect([first.id, second.id]).toEqual(["msg_test_0001", "msg_test_0002"]);
    expect(first.createdAt).toBe("2026-04-01T12:00:00.000Z");
    expect(second.createdAt).toBe("2026-04-01T12:00:01.000Z");
    expect(second.data.failedAt).toBe(second.createdAt);
    resetTestEvents();
    expect(createTestEvent("payout.failed")).toEqual(first);
  });

  it("merges deep-partial overrides and keeps the other defaults", () => {
    const event = createTestEvent("conversion.created", { environment: "preview", data: { amount: 4900, commissionAmount: 1470 } });
    expect(event.data).toMatchObject({ amount: 4900, commissionAmount: 1470, currency: "usd", affiliateId: "aff_def456", id: "conv_ghi789" });
    expect(event.environment).toBe("preview");
    expect(event.programId).toBe("prg_xyz789");
  });

  it("replaces arrays instead of merging them", () => {
    const event = createTestEvent("program.updated", { data: { updatedFields: ["name"] } });
    expect(event.data.updatedFields).toEqual(["name"]);
  });

  it("removes a field overridden with undefined (a conversion without programId, like the testing page's sample)", () => {
    const event = createTestEvent("conversion.created", { programId: undefined, data: { externalId: undefined, createdAt: undefined } });
    expect("programId" in event).toBe(false);
    expect("externalId" in event.data).toBe(false);
    expect("programId" in sampleVariants.testingPageConversion).toBe(false);
  });

  it("lets the id and createdAt be overridden", () => {
    const event = createTestEvent("affiliate.joined", { id: "msg_custom", createdAt: "2026-06-01T00:00:00.000Z" });
    expect(event.id).toBe("msg_custom");
    expect(event.createdAt).toBe("2026-06-01T00:00:00.000Z");
  });

  it("does not modify the documented samples", () => {
    const before = JSON.stringify(sampleEvents);
    createTestEvent("program.updated", { data: { updatedFields: ["x"], name: "changed" } });
    expect(JSON.stringify(sampleEvents)).toBe(before);
  });

  it("throws a WebhookError naming the path when an override makes the event invalid", () => {
    const err = thrown(() => createTestEvent("conversion.created", { data: { amount: "ten" as unknown as number } }));
    expect(err).toBeInstanceOf(WebhookError);
    expect((err as WebhookError).code).toBe("INVALID_PAYLOAD");
    expect((err as WebhookError).message).toContain("data.amount");
    expect((err as WebhookError).issues[0]?.path).toEqual(["data", "amount"]);
  });

  it("names nested array paths and envelope fields", () => {
    expect(() => createTestEvent("program.updated", { data: { updatedFields: [1 as unknown as string] } })).toThrow(/data\.updatedFields\.0/);
    expect(() => createTestEvent("payout.created", { schemaVersion: 3 as 2 })).toThrow(/schemaVersion/);
    expect(() => createTestEvent("flag.resolved", { data: { resolvedBy: undefined } })).toThrow(/data\.resolvedBy/);
  });

  it("validates strictly on request: unknown fields and enum values are rejected", () => {
    const loose = createTestEvent("payout.failed", { data: { status: "exploded" } });
    expect(loose.data.status).toBe("exploded");
    expect(() => createTestEvent("payout.failed", { data: { status: "exploded" } }, { strict: true })).toThrow(/data\.status/);
    expect(() => createTestEvent("payout.failed", { data: { extra: 1 } as never }, { strict: true })).toThrow(WebhookError);
  });

  it("rejects an event type that is not in the catalog with a TypeError listing the known ones", () => {
    expect(() => createTestEvent("conversion.deleted" as "conversion.created")).toThrow(TypeError);
    expect(() => createTestEvent("conversion.deleted" as "conversion.created")).toThrow(/conversion\.created/);
  });
});

describe("createTestEventFactory", () => {
  it("gives the same ids for the same seed and different ids for another seed", () => {
    const a = createTestEventFactory({ seed: 42 });
    const b = createTestEventFactory({ seed: 42 });
    const c = createTestEventFactory({ seed: "another suite" });
    const idsA = [a.createTestEvent("payout.created").id, a.createTestEvent("payout.created").id];
    const idsB = [b.createTestEvent("payout.created").id, b.createTestEvent("payout.created").id];
    const idsC = [c.createTestEvent("payout.created").id, c.createTestEvent("payout.created").id];
    expect(idsA).toEqual(idsB);
    expect(idsA[0]).not.toBe(idsA[1]);
    expect(idsC).not.toEqual(idsA);
    expect(idsA[0]).toMatch(/^msg_test_[0-9a-z]{12}$/);
    a.reset();
    expect(a.createTestEvent("payout.created").id).toBe(idsA[0]);
  });

  it("starts createdAt where asked, or reads a clock", () => {
    const fixed = createTestEventFactory({ now: new Date("2030-01-01T00:00:00Z"), step: 60_000 });
    expect(fixed.createTestEvent("program.created").createdAt).toBe("2030-01-01T00:00:00.000Z");
    expect(fixed.createTestEvent("program.created").createdAt).toBe("2030-01-01T00:01:00.000Z");
    const clock = createVirtualClock(Date.UTC(2031, 0, 1));
    const clocked = createTestEventFactory({ now: clock.now });
    clock.advance(5000);
    expect(clocked.createTestEvent("program.created").createdAt).toBe("2031-01-01T00:00:05.000Z");
  });

  it("is random only when asked: fresh ids and the real time", () => {
    const before = Date.now();
    const one = createTestEventFactory({ random: true }).createTestEvent("payout.created");
    const two = createTestEventFactory({ random: true }).createTestEvent("payout.created");
    expect(one.id).not.toBe(two.id);
    expect(Date.parse(one.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe("createTestEvent with other providers", () => {
  it("builds events of a provider without samples from its schema (Agiled)", () => {
    const event = createTestEvent("invoice.paid", { data: { invoice_id: 7 } }, { provider: agiled });
    expect(event.event).toBe("invoice.paid");
    expect(event.data).toEqual({ invoice_id: 7 });
    expect(typeof event.occurred_at).toBe("string");
    expect(parseEvent(JSON.stringify(event), { provider: agiled })).toEqual(event);
  });

  it("fills typed data from the schema (AgentSync's runDate) and validates overrides", () => {
    const event = createTestEvent("producersync.updates_available", undefined, { provider: agentsync });
    expect(event.type).toBe("producersync.updates_available");
    expect(event.data.runDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(() => createTestEvent("producersync.updates_available", { data: { runDate: 5 as unknown as string } }, { provider: agentsync })).toThrow(/data\.runDate/);
  });

  it("asks for overrides when the schema cannot be filled in automatically", () => {
    const envelope = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) });
    const acme = defineProvider({
      name: "acme",
      scheme: standardWebhooksScheme,
      envelope: { schema: envelope, idKey: "id", typeKey: "type" },
      events: {
        "order.paid": envelope.extend({
          type: z.literal("order.paid"),
          data: z.object({ total: z.number(), signature: z.custom<string>((v) => typeof v === "string" && v.startsWith("sig_")) }),
        }),
      },
    });
    const err = thrown(() => createTestEvent("order.paid", undefined, { provider: acme }));
    expect(err).toBeInstanceOf(WebhookError);
    expect((err as Error).message).toMatch(/no documented sample/);
    expect((err as Error).message).toMatch(/overrides/);
    const event = createTestEvent("order.paid", { type: "order.paid", id: "o_1", data: { total: 5, signature: "sig_1" } }, { provider: acme });
    expect(event).toEqual({ id: "o_1", type: "order.paid", data: { total: 5, signature: "sig_1" } });
  });
});
