/**
 * What `createTestEventFactory` takes: how ids and timestamps are generated.
 * @example const options: TestEventFactoryOptions = { seed: "payouts-suite", now: new Date("2026-05-01T00:00:00Z") };
 */
export interface TestEventFactoryOptions {
  /** Without a seed, ids count up (`msg_test_0001`, …); with one, they are pseudo-random but repeatable. */
  seed?: number | string | undefined;
  /** Non-deterministic: ids from `crypto.getRandomValues`, `createdAt` from the real clock (unless `now` is given). */
  random?: boolean | undefined;
  /** `createdAt` of the first event (later ones `step` ms apart), or a clock read on every event. */
  now?: Date | number | (() => number) | undefined;
  /** Milliseconds between consecutive `createdAt` values when `now` is fixed. Default 1000. */
  step?: number | undefined;
  /** Default `msg_test_`. */
  idPrefix?: string | undefined;
}

/**
 * The default first `createdAt` of a test event: 2026-04-01T12:00:00.000Z.
 * @example createTestEvent("payout.created").createdAt === new Date(DEFAULT_TEST_EPOCH).toISOString(); // the first one
 */
export const DEFAULT_TEST_EPOCH = Date.UTC(2026, 3, 1, 12, 0, 0);

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

// FNV-1a turns any seed into 32 bits for mulberry32: tiny, fast and good enough for fixture ids (never for secrets).
function seededRandom(seed: number | string): () => number {
  const text = String(seed);
  let state = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const randomChars = (next: () => number, length: number): string =>
  Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join("");

const cryptoNext = (): number => globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! / 4294967296;

/** The seedable id and `createdAt` (epoch ms) generator behind `createTestEventFactory`; `reset` starts it over. */
export function createIdSequence(options: TestEventFactoryOptions = {}) {
  const prefix = options.idPrefix ?? "msg_test_";
  const step = options.step ?? 1000;
  const { seed, random, now } = options;
  const start = now === undefined || typeof now === "function" ? DEFAULT_TEST_EPOCH : typeof now === "number" ? now : now.getTime();
  if (!Number.isFinite(start)) throw new RangeError("createTestEventFactory: `now` must be a valid Date, epoch milliseconds or a function");
  let count = 0;
  let prng = seed === undefined ? undefined : seededRandom(seed);
  return {
    next(): { id: string; createdAt: number } {
      count++;
      const id = prefix + (random ? randomChars(cryptoNext, 16) : prng ? randomChars(prng, 12) : String(count).padStart(4, "0"));
      const createdAt =
        typeof now === "function" ? now() : random && now === undefined ? Date.now() : start + (count - 1) * step;
      return { id, createdAt };
    },
    reset() {
      count = 0;
      if (seed !== undefined) prng = seededRandom(seed);
    },
  };
}
