import { describe, expectTypeOf, it } from "vitest";
import type {
  AffiliateJoinedEvent,
  ConversionCreatedEvent,
  EventOf,
  EventType,
  FlagResolvedEvent,
  PayoutFailedEvent,
  ProgramUpdatedEvent,
  ProviderEventOf,
} from "agentref-webhooks";
import { agiled, type AgiledProvider } from "agentref-webhooks/agiled";
import {
  createSignedRequest,
  createTestEvent,
  createTestEventFactory,
  createVirtualClock,
  signPayload,
  simulateDelivery,
  webhookRoute,
  type WebhookRoute,
  type DeepPartial,
  type DeliveryResult,
} from "agentref-webhooks/testing";
import { setupServer } from "msw/node";

describe("createTestEvent types", () => {
  it("returns exactly the event type of the name given", () => {
    expectTypeOf(createTestEvent("conversion.created")).toEqualTypeOf<ConversionCreatedEvent>();
    expectTypeOf(createTestEvent("payout.failed", { data: { failureReason: "x" } })).toEqualTypeOf<PayoutFailedEvent>();
    expectTypeOf(createTestEvent("flag.resolved", undefined, { strict: true })).toEqualTypeOf<FlagResolvedEvent>();
    expectTypeOf(createTestEventFactory({ seed: 1 }).createTestEvent("affiliate.joined")).toEqualTypeOf<AffiliateJoinedEvent>();
  });

  it("returns EventOf<T> for a generic type parameter", () => {
    function make<T extends EventType>(type: T): EventOf<T> {
      return createTestEvent(type);
    }
    expectTypeOf(make("program.updated")).toEqualTypeOf<ProgramUpdatedEvent>();
  });

  it("types overrides per event type", () => {
    createTestEvent("conversion.created", { data: { amount: 4900, currency: "eur" }, programId: undefined });
    createTestEvent("program.updated", { data: { updatedFields: ["name"] } });
    createTestEvent("payout.failed", { environment: "preview", data: { status: "failed" } });
    // Open enums still accept values AgentRef may add later.
    createTestEvent("flag.resolved", { data: { resolution: "escalated" } });

    // @ts-expect-error amount is a number
    createTestEvent("conversion.created", { data: { amount: "4900" } });
    // @ts-expect-error failureReason belongs to payout.failed, and is a string
    createTestEvent("payout.failed", { data: { failureReason: 1 } });
    // @ts-expect-error updatedFields is an array of strings
    createTestEvent("program.updated", { data: { updatedFields: "name" } });
    // @ts-expect-error schemaVersion is the literal 2
    createTestEvent("payout.created", { schemaVersion: 3 });
    // @ts-expect-error the type of an event cannot be overridden to another one
    createTestEvent("payout.created", { type: "payout.failed" });
    // @ts-expect-error not an AgentRef event type
    createTestEvent("conversion.deleted");
  });

  it("DeepPartial makes every level optional and replaces arrays", () => {
    type Overrides = DeepPartial<ProgramUpdatedEvent>;
    expectTypeOf<{ data: { updatedFields: string[] } }>().toExtend<Overrides>();
    expectTypeOf<{ data: { name: string } }>().toExtend<Overrides>();
    expectTypeOf<{}>().toExtend<Overrides>();
  });

  it("infers another provider's event types and overrides", () => {
    const event = createTestEvent("invoice.paid", { data: { invoice_id: 7 } }, { provider: agiled });
    expectTypeOf(event).toEqualTypeOf<ProviderEventOf<AgiledProvider, "invoice.paid">>();
    expectTypeOf(event.event).toEqualTypeOf<"invoice.paid">();
    // @ts-expect-error not an Agiled event
    createTestEvent("conversion.created", undefined, { provider: agiled });
  });
});

describe("signing and simulation types", () => {
  it("are async and typed", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    expectTypeOf(signPayload({ body: "{}", secret })).resolves.toEqualTypeOf<Record<string, string>>();
    expectTypeOf(createSignedRequest(createTestEvent("payout.created"), { secret })).resolves.toEqualTypeOf<Request>();
    // @ts-expect-error headers are "svix" or "webhook"
    signPayload({ body: "{}", secret, headers: "x-hub" });
    const clock = createVirtualClock();
    expectTypeOf(clock.now).toEqualTypeOf<() => number>();
    expectTypeOf(simulateDelivery({ target: "http://127.0.0.1:3000/hook", event: createTestEvent("payout.created"), secret, clock })).resolves.toEqualTypeOf<DeliveryResult>();
    // msw's own types are not named by ours (a project without msw type-checks them), so the route is
    // `any`: what matters is that msw takes it.
    expectTypeOf(webhookRoute("https://x.test/hook", async () => new Response())).resolves.toEqualTypeOf<WebhookRoute>();
    const mount = async () => setupServer(await webhookRoute("https://x.test/hook", async () => new Response()));
    expectTypeOf(mount).returns.resolves.toEqualTypeOf<ReturnType<typeof setupServer>>();
  });
});
