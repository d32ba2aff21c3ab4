/**
 * A small structured logger. Any of `console`, pino or winston fits. The SDK
 * never passes the secret or the body to it.
 *
 * @example
 * createHandler({ secret, logger: console, on: {} });
 * createHandler({ secret, logger: pino(), on: {} });
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The default: warnings and errors to the console, nothing else.
 *
 * @example
 * createHandler({ secret, logger: defaultLogger, on: {} });
 */
export const defaultLogger: Logger = {
  warn: (message, fields) => console.warn(`[agentref-webhooks] ${message}`, fields ?? ""),
  error: (message, fields) => console.error(`[agentref-webhooks] ${message}`, fields ?? ""),
};

/**
 * A logger that drops everything (for tests and for users who opt out).
 *
 * @example
 * createMemoryStore({ ttlMs: 60_000, logger: silentLogger }); // no short-TTL warning in tests
 */
export const silentLogger: Logger = {};
