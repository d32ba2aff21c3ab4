import { Queue, type Job } from "bullmq";
import { describe, expectTypeOf, it } from "vitest";
import {
  createHandler,
  type ConversionCreatedEvent,
  type Enqueue,
  type HandlerMap,
  type PayoutFailedEvent,
  type ProgramUpdatedEvent,
  type UnknownEvent,
} from "../../src/index.js";
import {
  bullmqEnqueue,
  createWorker,
  type QueuedDelivery,
  type WebhookWorker,
  type WorkerContext,
  type WorkerHandlerMap,
  type WorkerJobResult,
} from "../../src/queue/bullmq.js";
import { agiled } from "../../src/providers/agiled.js";
import type { AgentRefEvent, EventTypeOf, ProviderEvent, ProviderEventOf } from "../../src/index.js";

const connection = { host: "127.0.0.1", port: 6379 };
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("createWorker's handler map narrows like createHandler's", () => {
  it("event is exactly the type of its key; ctx is a WorkerContext", () => {
    const worker = createWorker({
      queueName: "q",
      connection,
      on: {
        "payout.failed": async (event, ctx) => {
          expectTypeOf(event).toEqualTypeOf<PayoutFailedEvent>();
          expectTypeOf(event.data.failureReason).toEqualTypeOf<PayoutFailedEvent["data"]["failureReason"]>();
          expectTypeOf(ctx).toEqualTypeOf<WorkerContext>();
          expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
          expectTypeOf(ctx.jobId).toEqualTypeOf<string>();
          expectTypeOf(ctx.eventId).toEqualTypeOf<string>();
          expectTypeOf(ctx.job).toEqualTypeOf<Job<QueuedDelivery, WorkerJobResult>>();
        },
        "conversion.created": (event) => {
          expectTypeOf(event).toEqualTypeOf<ConversionCreatedEvent>();
        },
        "program.updated": "ignore",
      },
      onUnhandled: (event) => expectTypeOf(event).toEqualTypeOf<AgentRefEvent>(),
      onUnknown: (event) => expectTypeOf(event).toEqualTypeOf<UnknownEvent>(),
      onDeadLetter: (event, error, ctx) => {
        expectTypeOf(event).toEqualTypeOf<AgentRefEvent | UnknownEvent>();
        expectTypeOf(error).toEqualTypeOf<Error>();
        expectTypeOf(ctx).toEqualTypeOf<WorkerContext>();
      },
    });
    expectTypeOf(worker).toEqualTypeOf<WebhookWorker>();
    expectTypeOf(worker.close).returns.toEqualTypeOf<Promise<void>>();
  });

  it("the handler parameter types are the same as createHandler's, key by key", () => {
    type FromWorker<T extends keyof WorkerHandlerMap> = Parameters<Extract<NonNullable<WorkerHandlerMap[T]>, (...a: never[]) => unknown>>[0];
    type FromHandler<T extends keyof HandlerMap> = Parameters<Extract<NonNullable<HandlerMap[T]>, (...a: never[]) => unknown>>[0];
    expectTypeOf<FromWorker<"payout.failed">>().toEqualTypeOf<FromHandler<"payout.failed">>();
    expectTypeOf<FromWorker<"program.updated">>().toEqualTypeOf<ProgramUpdatedEvent>();
    expectTypeOf<keyof WorkerHandlerMap>().toEqualTypeOf<keyof HandlerMap>();
  });

  it("an unknown key is a type error, as is a handler for the wrong event", () => {
    createWorker({
      queueName: "q",
      connection,
      // @ts-expect-error: not an AgentRef event type
      on: { "payout.exploded": () => {} },
    });
    createWorker({
      queueName: "q",
      connection,
      on: {
        // @ts-expect-error: a payout.failed handler cannot take a conversion event
        "payout.failed": (event: ConversionCreatedEvent) => event.data.commissionAmount,
      },
    });
  });

  it("one HandlerMap serves both modes", () => {
    const on: HandlerMap = { "payout.failed": (event, ctx) => void [event.data.failureReason, ctx.deliveryId] };
    createHandler({ secret, on });
    createWorker({ queueName: "q", connection, on });
  });

  it("exhaustive mode requires every type", () => {
    // @ts-expect-error: only one of 13 types is present
    createWorker({ queueName: "q", connection, exhaustive: true, on: { "payout.failed": "ignore" } });
  });

  it("a custom provider narrows to its own events", () => {
    createWorker({
      queueName: "q",
      connection,
      provider: agiled,
      on: {} as { [T in EventTypeOf<typeof agiled>]?: (event: ProviderEventOf<typeof agiled, T>) => void },
      onUnhandled: (event) => expectTypeOf(event).toEqualTypeOf<ProviderEvent<typeof agiled>>(),
    });
  });

  it("bullmqEnqueue is an Enqueue for createHandler, and takes a plain Queue", () => {
    const queue = new Queue("q", { connection });
    const enqueue = bullmqEnqueue(queue);
    expectTypeOf(enqueue).toEqualTypeOf<Enqueue>();
    createHandler({ secret, enqueue });
    createHandler({ provider: agiled, secret, enqueue: bullmqEnqueue(queue, { provider: agiled }) });
  });
});
