export { errorKind, errorStatus, retryAfterSeconds, type CodeOf, type WebhookErrorCode } from "./codes.js";
export {
  asWebhookError,
  bodyAlreadyParsed,
  isWebhookError,
  messageOf,
  webhookError,
  WebhookBodyError,
  WebhookConfigError,
  WebhookError,
  WebhookPayloadError,
  WebhookVerificationError,
  type PayloadIssue,
  type WebhookErrorOptions,
} from "./webhook-error.js";
