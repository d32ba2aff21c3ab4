// Body-read deadlines (`bodyTimeoutMs`) without a timer per request.
//
// Under Node a setTimeout + clearTimeout pair per delivery costs a few µs when
// deliveries come one at a time: the timer list for that duration is built and torn
// down on every request, about as much as the rest of reading a small body. Reads
// with the same timeout expire in the order they started, so one timer armed for
// the oldest pending read covers them all: a read that finishes leaves its set
// (O(1)); when the timer fires it expires the reads that are due and re-arms itself
// for the next one.
//
// That shared timer is only used where timers belong to the process and can be
// unref'd (Node, Bun). Elsewhere (Workers, Deno) each read keeps its own timer: a
// Worker runs a timer in the context of the request that set it, so one request's
// timer must not cancel another request's stream.

/**
 * Stops a deadline: the read finished in time.
 *
 * @example
 * const stop: StopDeadline = startDeadline(10_000, onTimeout);
 * stop();
 */
export type StopDeadline = () => void;

interface Pending {
  /** Epoch ms at which the read expires. */
  readonly at: number;
  readonly expire: () => void;
}

interface Group {
  /** Pending reads in start order, which is also deadline order (one timeout length per group). */
  readonly pending: Set<Pending>;
  /** When the armed timer is due (epoch ms); undefined when none is armed. */
  dueAt: number | undefined;
  /** Bumped on every arming: a timer that is not the latest one does nothing. */
  generation: number;
}

type UnrefTimer = { unref(): unknown };

const groups = new Map<number, Group>();
let sharedTimers: boolean | undefined;

/**
 * Calls `expire` once `timeoutMs` has passed, unless the returned function is called first.
 *
 * @example
 * const stop = startDeadline(10_000, () => reader.cancel());
 * try { await readAll(reader); } finally { stop(); }
 */
export function startDeadline(timeoutMs: number, expire: () => void): StopDeadline {
  if (!canShareTimers()) {
    const timer = setTimeout(expire, timeoutMs);
    return () => clearTimeout(timer);
  }
  let group = groups.get(timeoutMs);
  if (group === undefined) {
    group = { pending: new Set(), dueAt: undefined, generation: 0 };
    groups.set(timeoutMs, group);
  }
  const now = Date.now();
  const entry: Pending = { at: now + timeoutMs, expire };
  group.pending.add(entry);
  // A timer overdue by a whole period was lost (e.g. set under a test's fake timers): arm anew.
  if (group.dueAt === undefined || now > group.dueAt + timeoutMs) arm(timeoutMs, group, timeoutMs);
  const { pending } = group;
  return () => {
    pending.delete(entry);
  };
}

function arm(timeoutMs: number, group: Group, delayMs: number): void {
  const generation = ++group.generation;
  const delay = Math.max(1, Math.ceil(delayMs));
  group.dueAt = Date.now() + delay;
  const timer = setTimeout(() => {
    if (group.generation === generation) sweep(timeoutMs, group);
  }, delay);
  // A finished read leaves the timer armed until its time: it must not hold the process open.
  (timer as unknown as UnrefTimer).unref();
}

function sweep(timeoutMs: number, group: Group): void {
  group.dueAt = undefined;
  const now = Date.now();
  for (const entry of group.pending) {
    if (entry.at > now) {
      arm(timeoutMs, group, entry.at - now);
      return;
    }
    group.pending.delete(entry);
    try {
      entry.expire();
    } catch {
      // One read's cleanup failing must not keep the others from expiring.
    }
  }
  if (groups.get(timeoutMs) === group) groups.delete(timeoutMs);
}

function canShareTimers(): boolean {
  if (sharedTimers === undefined) {
    const probe = setTimeout(() => {}, 0);
    sharedTimers = typeof (probe as unknown as Partial<UnrefTimer> | null)?.unref === "function";
    clearTimeout(probe);
  }
  return sharedTimers;
}
