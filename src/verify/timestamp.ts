import { WebhookVerificationError } from "../errors/index.js";

/** The default tolerance in seconds, both directions (the documented AgentRef check). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

// Canonical Unix seconds: digits only, no sign, no leading zero, at most 15 digits
// (a safe integer). The header text is signed as received, so "01614265330" would
// need a signature over different bytes than the number it denotes: rejected.
const CANONICAL_SECONDS = /^(?:0|[1-9][0-9]{0,14})$/;

const quote = (text: string): string => JSON.stringify(text.length > 32 ? `${text.slice(0, 32)}…` : text);

/** Parses a signature timestamp header strictly (canonical digits, see above), else `INVALID_TIMESTAMP`. */
export function parseTimestamp(text: string, header: string): number {
  if (!CANONICAL_SECONDS.test(text)) {
    throw new WebhookVerificationError(
      "INVALID_TIMESTAMP",
      `The ${header} header ${quote(text)} is not a Unix timestamp in seconds (digits only, no sign, spaces, decimals or leading zeros). The request was not signed by the provider, or a proxy rewrote the header.`,
    );
  }
  return Number(text);
}

/** The current time in whole Unix seconds, from an injected clock when given. */
export function nowSeconds(now?: Date | number): number {
  const ms = now === undefined ? Date.now() : typeof now === "number" ? now : now.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("`now` must be a valid Date or a number of epoch milliseconds");
  return Math.floor(ms / 1000);
}

/** Checks a timestamp against the clock in both directions; exactly the tolerance is accepted. */
export function checkTolerance(timestamp: number, now: number, tolerance: number, header: string): void {
  const age = now - timestamp;
  if (age > tolerance) {
    throw new WebhookVerificationError(
      "TIMESTAMP_TOO_OLD",
      `The ${header} header is ${age} s old, more than the ${tolerance} s tolerance. This is a replayed or long-delayed delivery, or this server's clock is behind: check NTP. The sender retries with a fresh timestamp.`,
    );
  }
  if (-age > tolerance) {
    const ms = timestamp > 1e11 ? " It looks like milliseconds; the header must be in seconds." : "";
    throw new WebhookVerificationError(
      "TIMESTAMP_TOO_NEW",
      `The ${header} header is ${-age} s in the future, more than the ${tolerance} s tolerance. This server's clock may be ahead: check NTP.${ms}`,
    );
  }
}

/** Validates a tolerance option (seconds, finite, not negative). */
export function toleranceSeconds(tolerance: number | undefined): number {
  if (tolerance === undefined) return DEFAULT_TOLERANCE_SECONDS;
  if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new RangeError(`tolerance must be a finite number of seconds >= 0, got ${String(tolerance)}`);
  }
  return tolerance;
}
