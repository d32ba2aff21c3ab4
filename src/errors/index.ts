export { errorStatus, retryAfterSeconds, type WebhookErrorCode } from "./codes.js";
export {
  WebhookError,
  WebhookVerificationError,
  isWebhookError,
  type PayloadIssue,
  type WebhookErrorOptions,
} from "./webhook-error.js";
