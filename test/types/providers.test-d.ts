import { z } from "zod";
import { describe, expectTypeOf, it } from "vitest";
import {
  createHandler,
  defineProvider,
  parseEvent,
  standardWebhooksScheme,
  type EventTypeOf,
  type ProviderEventOf,
  type UnknownEvent,
} from "../../src/index.js";
import { agiled } from "../../src/providers/agiled.js";
import { agentsync } from "../../src/providers/agentsync.js";

const envelope = z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) });
const acme = defineProvider({
  name: "acme",
  scheme: standardWebhooksScheme,
  envelope: { schema: envelope, idKey: "id", typeKey: "type" },
  events: {
    "order.paid": envelope.extend({ type: z.literal("order.paid"), data: z.object({ total: z.number(), currency: z.string() }) }),
    "order.refunded": envelope.extend({ type: z.literal("order.refunded"), data: z.object({ reason: z.string() }) }),
  },
});

describe("a custom provider", () => {
  it("infers its event types and handler keys", () => {
    expectTypeOf<EventTypeOf<typeof acme>>().toEqualTypeOf<"order.paid" | "order.refunded">();
    createHandler({
      provider: acme,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      on: {
        "order.paid": (event) => {
          expectTypeOf(event.data).toEqualTypeOf<{ total: number; currency: string }>();
          expectTypeOf(event.type).toEqualTypeOf<"order.paid">();
        },
        "order.refunded": (event) => {
          expectTypeOf(event.data.reason).toEqualTypeOf<string>();
        },
      },
    });
    createHandler({
      provider: acme,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      // @ts-expect-error: AgentRef's event types are not acme's
      on: { "conversion.created": () => {} },
    });
  });

  it("parseEvent returns the provider's events", () => {
    const event = parseEvent("{}", { provider: acme });
    expectTypeOf(event).toEqualTypeOf<ProviderEventOf<typeof acme, "order.paid"> | ProviderEventOf<typeof acme, "order.refunded"> | UnknownEvent>();
  });

  it("exhaustive mode covers a custom provider too", () => {
    createHandler({ provider: acme, secret: "s", exhaustive: true, on: { "order.paid": "ignore", "order.refunded": "ignore" } });
    // @ts-expect-error: order.refunded is missing
    createHandler({ provider: acme, secret: "s", exhaustive: true, on: { "order.paid": "ignore" } });
  });
});

describe("presets", () => {
  it("Agiled handler keys are its 19 names and the type lives in `event`", () => {
    createHandler({
      provider: agiled,
      secret: "s",
      on: {
        "invoice.paid": (event) => {
          expectTypeOf(event.event).toEqualTypeOf<"invoice.paid">();
          expectTypeOf(event.organization_id).toEqualTypeOf<string | number>();
        },
        // @ts-expect-error: not an Agiled event
        "invoice.deleted": () => {},
      },
    });
  });

  it("AgentSync types updates_available's data and keeps the others open", () => {
    createHandler({
      provider: agentsync,
      secret: "s",
      on: {
        "producersync.updates_available": (event) => expectTypeOf(event.data.runDate).toEqualTypeOf<string>(),
        "contract.packet.submitted": (event) => expectTypeOf(event.data).toEqualTypeOf<{ [k: string]: unknown }>(),
      },
    });
  });
});
