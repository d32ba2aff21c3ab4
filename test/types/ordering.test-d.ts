// Ordering rules and parking options are typed by the provider's catalog: an entity
// function gets its own event type, a misspelt event type or field fails to compile.
import { describe, expectTypeOf, it } from "vitest";
import { createHandler, defineProvider, listParked, replayParked, standardWebhooksScheme, type ParkedDelivery, type PayoutCompletedEvent } from "agentref-webhooks";
import { z } from "zod";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("ordering rules", () => {
  it("narrow each entity function's event to its type", () => {
    createHandler({
      secret,
      ordering: {
        entities: {
          "payout.completed": (event) => {
            expectTypeOf(event).toEqualTypeOf<PayoutCompletedEvent>();
            return `payout:${event.data.id}`;
          },
          "affiliate.blocked": (event) => `affiliate:${event.programId}:${event.data.id}`,
        },
        order: (event) => Date.parse(event.createdAt),
      },
      on: {},
    });
  });

  it("reject a misspelt event type, a misspelt field and a wrong return type", () => {
    createHandler({
      secret,
      ordering: {
        // @ts-expect-error: "payout.complete" is not an AgentRef event type
        entities: { "payout.complete": (event) => String(event) },
        order: () => 1,
      },
      on: {},
    });
    createHandler({
      secret,
      ordering: {
        // @ts-expect-error: payouts have data.id, not data.payoutId
        entities: { "payout.failed": (event) => `payout:${event.data.payoutId}` },
        order: () => 1,
      },
      on: {},
    });
    createHandler({
      secret,
      // @ts-expect-error: the order key is a number (larger is newer), not a string
      ordering: { entities: {}, order: (event) => event.createdAt },
      on: {},
    });
  });

  it("a custom provider declares its rules against its own catalog", () => {
    const envelope = z.looseObject({ id: z.string(), type: z.string(), at: z.number(), data: z.looseObject({ orderId: z.string() }) });
    const acme = defineProvider({
      name: "acme",
      scheme: standardWebhooksScheme,
      envelope: { schema: envelope, idKey: "id", typeKey: "type", timestampKey: "at" },
      events: { "order.paid": envelope.extend({ type: z.literal("order.paid") }) },
      ordering: { entities: { "order.paid": (event) => `order:${event.data.orderId}` }, order: (event) => event.at },
    });
    createHandler({ provider: acme, secret, ordering: true, parking: { afterMs: 3_600_000 }, on: {} });
    defineProvider({
      name: "acme",
      scheme: standardWebhooksScheme,
      envelope: { schema: envelope, idKey: "id", typeKey: "type" },
      events: { "order.paid": envelope.extend({ type: z.literal("order.paid") }) },
      // @ts-expect-error: "order.shipped" is not in this provider's catalog
      ordering: { entities: { "order.shipped": () => "x" }, order: () => 1 },
    });
  });
});

describe("parking", () => {
  it("takes true or { afterMs }, and lists and replays ParkedDelivery records", async () => {
    // @ts-expect-error: afterMs is milliseconds, a number
    createHandler({ secret, parking: { afterMs: "1h" }, on: {} });
    const store = (await import("agentref-webhooks")).createMemoryStore();
    expectTypeOf(listParked({ store })).resolves.toEqualTypeOf<ParkedDelivery[]>();
    const { replayed } = await replayParked({ store, secret: (parked) => (parked.provider === "agentref" ? secret : secret), to: "http://127.0.0.1:3000/" });
    expectTypeOf(replayed[0]!.unparked).toEqualTypeOf<boolean>();
  });
});
