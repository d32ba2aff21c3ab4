import { asWebhookError, isWebhookError, messageOf, WebhookError } from "../errors/index.js";
import type { IdempotencyStore } from "../idempotency/store.js";
import type { Logger } from "../util/logger.js";
import type { EntityOf } from "./ordering.js";
import { noSpan, type DeliverySpan } from "./telemetry.js";

/** After 10 minutes a handler is given up: its claim is released and the answer is 500 `HANDLER_TIMEOUT`. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 10 * 60_000;

const COMPLETE_RETRY_WAITS_MS = [100, 400, 1000] as const;

/** What the run-once step needs for one event. */
export interface RunOnceInput {
  store: IdempotencyStore;
  key: string;
  bodyHash: string;
  /** The side effect to run at most once. */
  run: () => unknown;
  handlerTimeoutMs: number;
  logger: Logger;
  /** For error messages. */
  describe: { eventId: string; type: string };
  /** Where the store calls and the handler are traced (telemetry). */
  span?: DeliverySpan;
  /** Ordering: the entity this event concerns. Its lock is held (and renewed) while the handler runs. */
  entity?: EntityOf | undefined;
}

/** The handler ran; it was completed before; or an event of its entity created later was applied. */
export type RunResult = "ran" | "duplicate" | "stale";

/**
 * The run-once step: claim the key, run, then complete (or release and throw `HANDLER_FAILED` / `HANDLER_TIMEOUT`
 * when the run throws), renewing the lease meanwhile. With ordering it also holds the entity's lock.
 */
export async function runOnce(input: RunOnceInput): Promise<RunResult> {
  const { store, key, describe, entity } = input;
  const span = input.span ?? noSpan;
  const claim = await span.step("store.claim", () => store.claim(key, { bodyHash: input.bodyHash })).catch((cause: unknown) => {
    throw asWebhookError(cause, "STORE_UNAVAILABLE", `The idempotency store failed to claim the event: ${String(cause)}`);
  });
  if (claim.status === "completed") return "duplicate";
  if (claim.status === "in-progress") {
    throw new WebhookError("IN_PROGRESS", `Event ${describe.eventId} is being processed by another delivery; retry later.`);
  }
  if (claim.status === "conflict") {
    throw new WebhookError(
      "ID_CONFLICT",
      `Event ${describe.eventId} was received before with a different body. Not processed; investigate the sender.`,
    );
  }

  const release = () =>
    span.step("store.release", () => store.release(key, claim.token)).catch((err: unknown) => input.logger.warn?.("release failed; the lease will lapse", { key, err }));

  // Ordering: the entity's lock, taken in one step with the check that no newer event of
  // the entity was applied. A stale event is recorded as completed: its retries are duplicates.
  let entityToken: string | undefined;
  if (entity) {
    const held = await span.step("store.claim_entity", () => store.claimEntity!(entity.key, entity.position)).catch(async (cause: unknown) => {
      await release();
      throw asWebhookError(cause, "STORE_UNAVAILABLE", `The idempotency store failed to lock the event's entity: ${String(cause)}`);
    });
    if (held.status === "stale") {
      await complete(input, claim.token, span);
      return "stale";
    }
    if (held.status === "in-progress") {
      await release();
      throw new WebhookError("IN_PROGRESS", `Another event of the same entity as ${describe.eventId} is being processed; retry later.`);
    }
    entityToken = held.token;
  }
  const releaseEntity = (applied?: EntityOf["position"]) => span.step("store.release_entity", () => store.releaseEntity!(entity!.key, entityToken!, applied));

  // Only an asynchronous handler is watched (renewals and the handler timeout).
  let watch: ReturnType<typeof watchRun> | undefined;
  try {
    await span.step("handler", () => {
      const result = input.run();
      if (typeof (result as PromiseLike<unknown> | undefined)?.then !== "function") return result;
      watch = watchRun(input, claim.token, entityToken);
      return Promise.race([result, watch.timedOut]);
    });
  } catch (cause) {
    watch?.stop();
    if (entityToken) await releaseEntity().catch((err: unknown) => input.logger.warn?.("entity release failed; its lease will lapse", { key: entity!.key, err }));
    await release();
    throw isWebhookError(cause) && cause.code === "HANDLER_TIMEOUT"
      ? cause
      : new WebhookError("HANDLER_FAILED", `The handler for ${describe.type} threw: ${messageOf(cause)}`, { cause });
  }
  watch?.stop();

  // The entity's position moves first: if the process dies before the claim is marked
  // completed, the retry finds this very event applied and answers it stale.
  if (entityToken) {
    try {
      if (!(await releaseEntity(entity!.position))) input.logger.warn?.("the entity's lock was lost before the handler finished", { key: entity!.key });
    } catch (cause) {
      throw asWebhookError(cause, "STORE_UNAVAILABLE", "Could not record the event as applied to its entity.");
    }
  }
  await complete(input, claim.token, span);
  return "ran";
}

/** Marks the claim completed (a few quick retries, then STORE_UNAVAILABLE). */
async function complete(input: RunOnceInput, token: string, span: DeliverySpan): Promise<void> {
  const { store, key } = input;
  try {
    if (!(await span.step("store.complete", () => completeWithRetry(store, key, token)))) {
      input.logger.warn?.("the claim was lost before completion (the store expired or reassigned it)", { key });
    }
  } catch (cause) {
    // The side effect happened but is not recorded: 503 makes the sender retry, and the
    // retry re-runs the handler once the lease lapses (at-least-once; see docs).
    throw asWebhookError(cause, "STORE_UNAVAILABLE", "Could not mark the event completed.");
  }
}

/** Renews the claim (and entity lock) every third of the lease; rejects `timedOut` after `handlerTimeoutMs`. One timer. */
function watchRun(input: RunOnceInput, token: string, entityToken: string | undefined) {
  const { store, key, logger, entity } = input;
  const every = Math.max(1, Math.floor(store.settings.leaseMs / 3));
  const giveUpAt = Date.now() + input.handlerTimeoutMs;
  let reject: (error: WebhookError) => void = () => {};
  const timedOut = new Promise<never>((_, r) => (reject = r));
  timedOut.catch(() => {});
  const tick = () => {
    const left = giveUpAt - Date.now();
    if (left <= 0) {
      const detail = `did not settle within handlerTimeoutMs (${input.handlerTimeoutMs} ms); its claim was released so a retry can run it.`;
      return reject(new WebhookError("HANDLER_TIMEOUT", `The handler for ${input.describe.type} ${detail}`));
    }
    logRenewal(store.renew(key, token), "the claim", key, logger);
    if (entityToken) logRenewal(store.renewEntity!(entity!.key, entityToken), "the entity's lock", entity!.key, logger);
    timer = setTimeout(tick, Math.min(every, left));
  };
  let timer = setTimeout(tick, Math.min(every, Math.max(0, input.handlerTimeoutMs)));
  return { timedOut, stop: () => clearTimeout(timer) };
}

function logRenewal(renewed: Promise<boolean>, what: string, key: string, logger: Logger): void {
  renewed.then(
    (held) => {
      if (!held) logger.warn?.(`${what} was lost while the handler ran (its lease lapsed before a renewal)`, { key });
    },
    (err: unknown) => logger.warn?.(`renewing ${what} failed; retrying at the next interval`, { key, err }),
  );
}

// A short store blip right after the handler succeeded would otherwise re-run the handler
// after the lease; a few quick retries (~1.5 s in all) close most of that window.
async function completeWithRetry(store: IdempotencyStore, key: string, token: string): Promise<boolean> {
  for (const wait of COMPLETE_RETRY_WAITS_MS) {
    try {
      return await store.complete(key, token);
    } catch (error) {
      if (!(isWebhookError(error) && error.code === "STORE_UNAVAILABLE")) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  return store.complete(key, token);
}
