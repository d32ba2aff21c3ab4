import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  constructEvent,
  createHandler,
  eventSchemas,
  isEventType,
  isUnknownEvent,
  parseEvent,
  type AgentRefEvent,
  type AgentRefProvider,
  type ConversionCreatedData,
  type ConversionCreatedEvent,
  type EventOf,
  type FlagResolvedEvent,
  type PayoutFailedData,
  type PayoutFailedEvent,
  type ProgramUpdatedData,
  type ProviderEvent,
  type ProviderEventOf,
} from "agentref-webhooks";
import { agiled } from "agentref-webhooks/agiled";
import { agentsync } from "agentref-webhooks/agentsync";
import { createTestEvent } from "agentref-webhooks/testing";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("a misspelt field of a known event does not compile", () => {
  it("on events from createTestEvent, EventOf and the schemas", () => {
    const event = createTestEvent("conversion.created");
    expectTypeOf(event.data.commissionAmount).toEqualTypeOf<number>();
    // @ts-expect-error comissionAmount is a typo of commissionAmount
    void event.data.comissionAmount;
    // @ts-expect-error merchantID is a typo of merchantId (envelope fields too)
    void event.merchantID;

    const declared = {} as EventOf<"payout.failed">;
    // @ts-expect-error failure_reason is not a field of payout.failed
    void declared.data.failure_reason;

    const parsed = eventSchemas["flag.resolved"].parse({});
    expectTypeOf(parsed).toEqualTypeOf<FlagResolvedEvent>();
    // @ts-expect-error resolvedby is a typo of resolvedBy
    void parsed.data.resolvedby;
  });

  it("in the handler map and after switch (event.type)", () => {
    createHandler({
      secret,
      on: {
        "conversion.created": (event) => {
          // @ts-expect-error comissionAmount is a typo
          return event.data.comissionAmount;
        },
        "payout.failed": (event) => {
          // @ts-expect-error failedat is a typo of failedAt
          return event.data.failedat;
        },
      },
    });

    function handle(event: AgentRefEvent) {
      switch (event.type) {
        case "program.updated":
          // @ts-expect-error updatedField is a typo of updatedFields
          return event.data.updatedField;
        default:
          return undefined;
      }
    }
    void handle;
  });

  it("on parseEvent and constructEvent results once narrowed", async () => {
    const event = parseEvent("{}");
    if (isEventType(event, "conversion.refunded")) {
      // @ts-expect-error refundAt is a typo of refundedAt
      void event.data.refundAt;
    }
    const constructed = await constructEvent({ body: "{}", headers: {}, secret });
    if (!isUnknownEvent(constructed) && constructed.type === "payout.completed") {
      // @ts-expect-error completedat is a typo of completedAt
      void constructed.data.completedat;
    }
  });

  it("because the named types have no index signature, at any level", () => {
    expectTypeOf<keyof ConversionCreatedData>().toEqualTypeOf<
      "id" | "affiliateId" | "amount" | "currency" | "commissionAmount" | "status" | "externalId" | "createdAt"
    >();
    expectTypeOf<keyof ConversionCreatedEvent>().toEqualTypeOf<
      "id" | "type" | "schemaVersion" | "createdAt" | "merchantId" | "programId" | "environment" | "data"
    >();
    expectTypeOf<string>().not.toExtend<keyof PayoutFailedData>();
    // Arrays stay arrays; open enums keep their literals and stay open.
    expectTypeOf<ProgramUpdatedData["updatedFields"]>().toEqualTypeOf<string[]>();
    expectTypeOf<PayoutFailedData["status"]>().toEqualTypeOf<"pending" | "processing" | "completed" | "failed" | (string & {})>();
  });
});

describe("the named types are what every path resolves to", () => {
  it("EventOf, ProviderEventOf, the handler map and z.output of the schema name them", () => {
    expectTypeOf<EventOf<"conversion.created">>().toEqualTypeOf<ConversionCreatedEvent>();
    expectTypeOf<ProviderEventOf<AgentRefProvider, "conversion.created">>().toEqualTypeOf<ConversionCreatedEvent>();
    expectTypeOf<ProviderEvent<AgentRefProvider>>().toEqualTypeOf<AgentRefEvent>();
    expectTypeOf<z.output<(typeof eventSchemas)["payout.failed"]>>().toEqualTypeOf<PayoutFailedEvent>();
    expectTypeOf<ConversionCreatedEvent["data"]>().toEqualTypeOf<ConversionCreatedData>();
  });

  it("the schemas' input stays open: a payload with fields added later is accepted as input", () => {
    type Input = z.input<(typeof eventSchemas)["conversion.created"]>;
    expectTypeOf<{ futureField: number }>().toExtend<Partial<Input>>();
  });
});

describe("other providers keep their open data", () => {
  it("Agiled's undocumented data is open, AgentSync's documented payload is typed", () => {
    createHandler({
      provider: agiled,
      secret: "agiled-subscription-secret-0123456789",
      on: {
        "invoice.paid": (event) => {
          expectTypeOf(event.data.invoice_id).toEqualTypeOf<unknown>();
        },
      },
    });
    const updates = createTestEvent("producersync.updates_available", undefined, { provider: agentsync });
    expectTypeOf(updates.data.runDate).toEqualTypeOf<string>();
  });
});
