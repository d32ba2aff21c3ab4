import { errorKind, type WebhookError } from "../errors/index.js";
import type { Logger } from "../util/logger.js";
import type { LifecycleInfo } from "./context.js";

/** The lifecycle hooks and error callback of `createHandler`. */
export interface Hooks {
  /**
   * Every error answered with a non-2xx status, and failures to complete after success.
   * @example onError: (error, info) => Sentry.captureException(error, { extra: { ...info } })
   */
  onError?: (error: WebhookError, info: LifecycleInfo) => unknown;
  /**
   * After verification and decoding, before filters and the handler (`outcome: "verified"`).
   * @example onVerified: (info) => metrics.increment("webhook.verified", { type: info.type })
   */
  onVerified?: (info: LifecycleInfo) => unknown;
  /**
   * A delivery of an event completed earlier: acknowledged 200, the handler not run.
   * @example onDuplicate: (info) => metrics.increment("webhook.duplicate")
   */
  onDuplicate?: (info: LifecycleInfo) => unknown;
  /**
   * Every 2xx answer that is not a duplicate: handled, unhandled, unknown, filtered, accepted.
   * @example onHandled: (info) => metrics.timing(`webhook.${info.type}`, info.durationMs)
   */
  onHandled?: (info: LifecycleInfo) => unknown;
  /**
   * The handler threw or timed out (answered 500; `info.error` says why).
   * @example onFailed: (info) => console.error(info.type, info.error?.code, info.correlationId)
   */
  onFailed?: (info: LifecycleInfo) => unknown;
  /**
   * With `ordering`: an event older than one of its entity already applied was skipped (200 `stale`).
   * @example onStale: (info) => metrics.increment("webhook.stale", { type: info.type })
   */
  onStale?: (info: LifecycleInfo) => unknown;
}

// Rejections are rate-limited in the log, so forged floods cannot fill a disk.
const REJECTION_LOGS_PER_WINDOW = 10;
const REJECTION_WINDOW_MS = 60_000;

/**
 * The report step: calls hooks (a failing one never changes the answer) and logs, never the secret or body:
 * rejections (4xx, `ID_CONFLICT`) at `warn`, own failures (5xx) at `error` with the cause, the rest at `debug`.
 */
export function createReporter(hooks: Hooks, logger: Logger) {
  let windowStart = 0;
  let logged = 0;
  let suppressed = 0;

  const safely = (call: () => unknown) => {
    try {
      const result = call();
      if (result instanceof Promise) result.catch((err: unknown) => logger.warn?.("a lifecycle hook failed", { err }));
    } catch (err) {
      logger.warn?.("a lifecycle hook failed", { err });
    }
  };

  const rejected = (error: WebhookError, fields: Record<string, unknown>, now: number) => {
    if (now - windowStart >= REJECTION_WINDOW_MS) {
      if (suppressed > 0) logger.warn?.(`${suppressed} more rejected deliveries were not logged in the last minute`, { suppressed });
      windowStart = now;
      logged = 0;
      suppressed = 0;
    }
    if (logged >= REJECTION_LOGS_PER_WINDOW) {
      suppressed++;
      return;
    }
    logged++;
    logger.warn?.(`webhook rejected: ${error.code} (${error.status}): ${error.message}`, fields);
  };

  return {
    hook(hook: ((info: LifecycleInfo) => unknown) | undefined, info: LifecycleInfo): void {
      if (hook) safely(() => hook(info));
    },
    error(error: WebhookError, info: LifecycleInfo, now: number): void {
      if (hooks.onError) safely(() => hooks.onError!(error, info));
      const { deliveryId, eventId, type, correlationId } = info;
      const fields: Record<string, unknown> = { code: error.code, status: error.status, deliveryId, eventId, type, correlationId };
      if (error.status >= 500) {
        if (error.cause !== undefined) fields.err = error.cause;
        logger.error?.(`webhook failed: ${error.code} (${error.status}): ${error.message}`, fields);
      } else if (errorKind[error.code] !== "delivery" || error.code === "ID_CONFLICT") {
        rejected(error, fields, now);
      } else {
        logger.debug?.(`webhook ${error.code} (${error.status})`, fields);
      }
    },
  };
}
