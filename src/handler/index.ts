export { createHandler } from "./create-handler.js";
export { createPipeline, type DeliveryInput, type Pipeline } from "./pipeline.js";
export { outcomeStatus, type DeliveryOutcome, type DeliveryResponse } from "./responses.js";
export { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from "./read-body.js";
export type {
  CreateHandlerOptions,
  DeliveryMeta,
  Enqueue,
  EventHandler,
  HandlerContext,
  HandlerMap,
  HandlerOptionsBase,
  Ignore,
  LifecycleInfo,
  SecretHints,
  SecretOption,
  WebhookHandler,
} from "./types.js";
