/**
 * A clock that moves only when told to. Give the same clock to `simulateDelivery` and the
 * receiver (`createHandler({ now: clock.now })`) so that late retries pass the tolerance.
 * @example
 * const clock = createVirtualClock(new Date("2026-04-01T12:00:00Z"));
 * clock.advance(60_000);
 * new Date(clock.now()).toISOString(); // "2026-04-01T12:01:00.000Z"
 */
export interface VirtualClock {
  /** The current virtual time, epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms` and returns the new time. */
  advance(ms: number): number;
  /** Sets the clock to an absolute time. */
  set(time: Date | number): void;
}

const toMs = (time: Date | number, what: string): number => {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a valid Date or epoch milliseconds, got ${String(time)}`);
  return ms;
};

/**
 * Creates a `VirtualClock` starting at `start` (default: the real time now).
 * @example
 * const clock = createVirtualClock();
 * const handler = createHandler({ secret, now: clock.now, on: {} });
 * await simulateDelivery({ target: handler, event, secret, clock });
 */
export function createVirtualClock(start: Date | number = Date.now()): VirtualClock {
  let current = toMs(start, "createVirtualClock(start)");
  return {
    now: () => current,
    advance(ms: number): number {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock.advance: ms must be a finite number >= 0, got ${String(ms)}`);
      current += ms;
      return current;
    },
    set(time: Date | number): void {
      current = toMs(time, "clock.set(time)");
    },
  };
}
