import { describe, expectTypeOf, it } from "vitest";
import {
  createHandler,
  type ConversionCreatedEvent,
  type EventType,
  type FlagResolvedEvent,
  type HandlerContext,
  type PayoutFailedEvent,
  type UnknownEvent,
  type WebhookHandler,
} from "agentref-webhooks";
import { toNodeHandler, type NodeHandler } from "agentref-webhooks/node";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("the on map", () => {
  it("narrows each handler's event to exactly its type", () => {
    createHandler({
      secret,
      on: {
        "conversion.created": (event, ctx) => {
          expectTypeOf(event).toEqualTypeOf<ConversionCreatedEvent>();
          expectTypeOf(event.data.commissionAmount).toEqualTypeOf<number>();
          expectTypeOf(ctx).toEqualTypeOf<HandlerContext>();
        },
        "payout.failed": async (event) => {
          expectTypeOf(event).toEqualTypeOf<PayoutFailedEvent>();
          expectTypeOf(event.type).toEqualTypeOf<"payout.failed">();
        },
        "flag.resolved": (event) => {
          expectTypeOf(event).toEqualTypeOf<FlagResolvedEvent>();
        },
        "program.updated": "ignore",
      },
      onUnknown: (event) => {
        expectTypeOf(event).toEqualTypeOf<UnknownEvent>();
      },
    });
  });

  it("rejects a key that is not an event type", () => {
    createHandler({
      secret,
      on: {
        // @ts-expect-error "conversion.create" is not an AgentRef event type
        "conversion.create": () => {},
      },
    });
  });

  it("rejects a handler whose parameter is another event type", () => {
    createHandler({
      secret,
      on: {
        // @ts-expect-error a payout handler cannot take a conversion
        "payout.failed": (event: ConversionCreatedEvent) => event.data.commissionAmount,
      },
    });
  });

  it("returns a Web handler usable as a Next.js route and through toNodeHandler", () => {
    const handler = createHandler({ secret, on: {} });
    expectTypeOf(handler).toEqualTypeOf<WebhookHandler>();
    expectTypeOf(handler).toEqualTypeOf<(request: Request) => Promise<Response>>();
    expectTypeOf(toNodeHandler(handler)).toEqualTypeOf<NodeHandler>();
  });
});

describe("exhaustive: true", () => {
  const all = {
    "program.created": "ignore",
    "program.updated": "ignore",
    "affiliate.joined": () => {},
    "affiliate.approved": () => {},
    "affiliate.blocked": () => {},
    "affiliate.unblocked": () => {},
    "conversion.created": (event: ConversionCreatedEvent) => event.data.amount,
    "conversion.refunded": () => {},
    "payout.created": () => {},
    "payout.processing": () => {},
    "payout.completed": () => {},
    "payout.failed": () => {},
    "flag.resolved": "ignore",
  } as const;

  it("compiles with all 13 types (handlers or \"ignore\")", () => {
    createHandler({ secret, exhaustive: true, on: all });
    expectTypeOf<keyof typeof all>().toEqualTypeOf<EventType>();
  });

  it("fails to compile when a type is missing", () => {
    const { "payout.failed": _missing, ...twelve } = all;
    // @ts-expect-error "payout.failed" is neither handled nor ignored
    createHandler({ secret, exhaustive: true, on: twelve });
  });

  it("fails to compile with no on map at all", () => {
    // @ts-expect-error exhaustive mode needs every type in `on`
    createHandler({ secret, exhaustive: true });
  });

  it("still narrows inline handlers", () => {
    createHandler({
      secret,
      exhaustive: true,
      on: {
        ...all,
        "conversion.refunded": (event) => {
          expectTypeOf(event.type).toEqualTypeOf<"conversion.refunded">();
        },
      },
    });
  });

  it("without exhaustive, a partial map is fine", () => {
    createHandler({ secret, on: { "payout.failed": () => {} } });
    createHandler({ secret, exhaustive: false, on: { "payout.failed": () => {} } });
  });
});
