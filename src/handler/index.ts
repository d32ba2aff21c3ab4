export { createHandler } from "./create-handler.js";
export { outcomeStatus, type DeliveryOutcome } from "../lifecycle/answer.js";
export { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from "../lifecycle/read-body.js";
export { DEFAULT_HANDLER_TIMEOUT_MS } from "../lifecycle/run-once.js";
export type { SecretOption } from "../lifecycle/authenticate.js";
export type { DeliveryMeta, HandlerContext, LifecycleInfo, SecretHints } from "../lifecycle/context.js";
export type {
  CreateHandlerOptions,
  Enqueue,
  EventHandler,
  HandlerMap,
  HandlerOptionsBase,
  Ignore,
  WebhookHandler,
} from "./types.js";
