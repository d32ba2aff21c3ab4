/**
 * A small structured logger: a message and fields (never the secret or the body).
 * `console` and winston fit as they are; pino is recognised and called its way.
 * @example createHandler({ secret, logger: pino(), on: {} });
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn?(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

/**
 * What a `logger` option accepts: a {@link Logger}, `console`, or a pino or winston logger.
 * @example const input: LoggerInput = console;
 */
export type LoggerInput = Logger | Console | { [level in keyof Logger]?: (...args: never[]) => unknown };

/** The default: warnings and errors to the console, nothing else. */
export const defaultLogger: Logger = {
  warn: (message, fields) => console.warn(`[agentref-webhooks] ${message}`, fields ?? ""),
  error: (message, fields) => console.error(`[agentref-webhooks] ${message}`, fields ?? ""),
};

/** A logger that drops everything (for tests and for users who opt out). */
export const silentLogger: Logger = {};

/** A {@link Logger} over whatever the user gave; pino (told apart by `bindings()` and `levels`) gets the fields first. */
export function toLogger(input: LoggerInput | undefined): Logger {
  if (input === undefined) return defaultLogger;
  const target = input as Record<string, unknown>;
  const pinoLike = typeof target.bindings === "function" && typeof target.levels === "object";
  const out: Logger = {};
  for (const level of ["debug", "info", "warn", "error"] as const) {
    const fn = target[level];
    if (typeof fn !== "function") continue;
    out[level] = pinoLike
      ? (message, fields) => fn.call(input, fields ?? {}, message)
      : (message, fields) => (fields === undefined ? fn.call(input, message) : fn.call(input, message, fields));
  }
  return out;
}
