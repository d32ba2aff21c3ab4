import type { BackoffOptions, BackoffStrategy } from "bullmq";

/**
 * The wait before the next attempt: a fixed delay in ms, BullMQ's `fixed` / `exponential` strategies
 * (`delay * 2^(attempt-1)`, optional `jitter` 0..1), or a function of the failed attempt (1-based) and its error.
 * @example createWorker({ …, backoff: (attempt) => Math.min(60_000, 1_000 * attempt ** 2) });
 */
export type WorkerBackoff =
  | number
  | { type: "fixed" | "exponential"; delay: number; jitter?: number }
  | ((attempt: number, error: Error) => number);

/**
 * The default: 5 s, 10 s, 20 s, … between attempts.
 * @example createWorker({ queueName, connection, on, backoff: DEFAULT_BACKOFF });
 */
export const DEFAULT_BACKOFF = { type: "exponential", delay: 5_000 } as const satisfies WorkerBackoff;

const CUSTOM_TYPE = "agentref-webhooks";

/** @internal A `WorkerBackoff` as BullMQ job `backoff` options plus, for a function, a worker strategy. */
export function toBullmqBackoff(backoff: WorkerBackoff, fallbackStrategy?: BackoffStrategy): {
  options: BackoffOptions;
  strategy?: BackoffStrategy;
} {
  if (typeof backoff === "function") {
    return {
      options: { type: CUSTOM_TYPE },
      strategy: (attemptsMade, type, err, job) => {
        if (type === CUSTOM_TYPE) return Math.max(0, backoff(attemptsMade, err ?? new Error("unknown error")));
        // Someone else's custom type (set through workerOptions.settings): theirs to answer.
        return fallbackStrategy ? fallbackStrategy(attemptsMade, type, err, job) : 0;
      },
    };
  }
  if (typeof backoff === "number") return { options: { type: "fixed", delay: delayOf("backoff", backoff) } };
  return { options: { ...backoff, delay: delayOf("backoff.delay", backoff.delay) } };
}

function delayOf(name: string, delay: number): number {
  if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`createWorker: ${name} must be a delay in ms ≥ 0, got ${delay}.`);
  return delay;
}
