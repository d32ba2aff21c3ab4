import { describe, expectTypeOf, it } from "vitest";
import type {
  AgentRefEvent,
  ConversionCreatedEvent,
  EventOf,
  EventType,
  FlagResolvedEvent,
  PayoutFailedEvent,
  ProgramCreatedEvent,
} from "../../src/index.js";
import { isEventType, parseEvent, UnknownEvent } from "../../src/index.js";

describe("event types", () => {
  it("EventType is the 13 names, derived from the schema map", () => {
    expectTypeOf<EventType>().toEqualTypeOf<
      | "program.created"
      | "program.updated"
      | "affiliate.joined"
      | "affiliate.approved"
      | "affiliate.blocked"
      | "affiliate.unblocked"
      | "conversion.created"
      | "conversion.refunded"
      | "payout.created"
      | "payout.processing"
      | "payout.completed"
      | "payout.failed"
      | "flag.resolved"
    >();
  });

  it("switch on type narrows data per case, and a never default proves exhaustiveness", () => {
    function handle(event: AgentRefEvent): string {
      switch (event.type) {
        case "program.created":
        case "program.updated":
          expectTypeOf(event.data.cookieDuration).toEqualTypeOf<number>();
          return event.data.name;
        case "affiliate.joined":
          expectTypeOf(event.data.referralCode).toEqualTypeOf<string>();
          return event.data.joinedAt;
        case "affiliate.approved":
          return event.data.approvedAt;
        case "affiliate.blocked":
          expectTypeOf(event.data.reason).toEqualTypeOf<string>();
          return event.data.blockedAt;
        case "affiliate.unblocked":
          return event.data.unblockedAt;
        case "conversion.created":
          expectTypeOf(event.data.commissionAmount).toEqualTypeOf<number>();
          expectTypeOf(event.data.externalId).toEqualTypeOf<string | undefined>();
          return event.data.currency;
        case "conversion.refunded":
          return event.data.refundedAt;
        case "payout.created":
          return event.data.createdAt;
        case "payout.processing":
          return event.data.id;
        case "payout.completed":
          return event.data.completedAt;
        case "payout.failed":
          expectTypeOf(event.data.failureReason).toEqualTypeOf<string>();
          return event.data.failedAt;
        case "flag.resolved":
          return event.data.resolvedBy;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    }
    expectTypeOf(handle).parameter(0).toEqualTypeOf<AgentRefEvent>();
  });

  it("a missing case leaves the default reachable (exhaustiveness can fail)", () => {
    function partial(event: AgentRefEvent) {
      switch (event.type) {
        case "payout.failed":
          return;
        default:
          // @ts-expect-error: 12 types are still possible here
          const unreachable: never = event;
          return unreachable;
      }
    }
    expectTypeOf(partial).returns.toEqualTypeOf<undefined>();
  });

  it("EventOf<T> is the named type", () => {
    expectTypeOf<EventOf<"conversion.created">>().toEqualTypeOf<ConversionCreatedEvent>();
    expectTypeOf<EventOf<"payout.failed">>().toEqualTypeOf<PayoutFailedEvent>();
    expectTypeOf<EventOf<"flag.resolved">>().toEqualTypeOf<FlagResolvedEvent>();
    expectTypeOf<ConversionCreatedEvent["type"]>().toEqualTypeOf<"conversion.created">();
  });

  it("enum fields autocomplete their known values and stay open", () => {
    type Status = ProgramCreatedEvent["data"]["status"];
    expectTypeOf<"active">().toExtend<Status>();
    expectTypeOf<"paused">().toExtend<Status>();
    expectTypeOf<"someday">().toExtend<Status>();
    // The literals survive in the union (what the editor offers), beside the open `string & {}`.
    expectTypeOf<Status>().toEqualTypeOf<"active" | "paused" | "archived" | (string & {})>();
    expectTypeOf<FlagResolvedEvent["data"]["resolution"]>().toEqualTypeOf<"dismissed" | "confirmed" | (string & {})>();
    expectTypeOf<PayoutFailedEvent["environment"]>().toEqualTypeOf<"production" | "preview" | "development" | (string & {})>();
    // and the union is not collapsed to plain string
    expectTypeOf<Status>().not.toEqualTypeOf<string>();
  });

  it("programId is optional on payouts and required on program-scoped events", () => {
    expectTypeOf<ProgramCreatedEvent["programId"]>().toEqualTypeOf<string>();
    expectTypeOf<PayoutFailedEvent["programId"]>().toEqualTypeOf<string | undefined>();
  });

  it("parseEvent returns the union or an UnknownEvent; isEventType narrows", () => {
    const event = parseEvent("{}");
    expectTypeOf(event).toEqualTypeOf<AgentRefEvent | UnknownEvent>();
    if (isEventType(event, "conversion.created")) {
      expectTypeOf(event).toEqualTypeOf<ConversionCreatedEvent>();
    }
    if (!(event instanceof UnknownEvent)) {
      expectTypeOf(event).toEqualTypeOf<AgentRefEvent>();
    }
    // @ts-expect-error: not an event type
    isEventType(event, "conversion.deleted");
  });
});
