// The public barrel of "agentref-webhooks/testing". Importing it never loads msw.
export { sampleEvents, sampleVariants } from "../events/samples.js";
export type { DeepPartial } from "./deep-partial.js";
export { DEFAULT_TEST_EPOCH, type TestEventFactoryOptions } from "./id-sequence.js";
export {
  createTestEvent,
  createTestEventFactory,
  resetTestEvents,
  type CreateTestEvent,
  type CreateTestEventOptions,
  type TestEventFactory,
} from "./test-event-factory.js";
export { generateSecret, GENERATED_SECRET_BYTES } from "./generate-secret.js";
export { signPayload, type HeaderNames, type SignPayloadInput } from "./sign-payload.js";
export { createSignedRequest, type SignedRequestOptions } from "./sign-payload.js";
export { createVirtualClock, type VirtualClock } from "./virtual-clock.js";
export {
  simulateDelivery,
  type DeliveryAttempt,
  type DeliveryResult,
  type DeliveryTarget,
  type SimulateDeliveryOptions,
} from "./simulate-delivery.js";
export { webhookRoute, type WebhookRoute } from "./msw.js";
