// The delivery simulator of the ordering and parking tests: events of one entity delivered
// in a chosen order by a sender that retries (a failed attempt, a 409), with failures
// injected into the handler, while the handler records what it applied.
import { expect } from "vitest";
import { createHandler } from "../../../src/handler/create-handler.js";
import type { IdempotencyStore } from "../../../src/idempotency/store.js";
import { sampleEvents } from "../../../src/events/samples.js";
import { silentLogger } from "../../../src/util/logger.js";
import { signedRequest } from "../../helpers/sign.js";

/** The four payout events and the four affiliate events, in the order AgentRef creates them. */
export const LIFECYCLES = {
  payout: ["payout.created", "payout.processing", "payout.completed", "payout.failed"],
  affiliate: ["affiliate.joined", "affiliate.approved", "affiliate.blocked", "affiliate.unblocked"],
} as const;

type Kind = keyof typeof LIFECYCLES;

/** Every order of `items`. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** A small seeded random generator, so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

let entities = 0;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The events of one fresh entity, the n-th created n seconds after the first. */
export function entityEvents(kind: Kind, run: string) {
  const entityId = `${kind}_${run}_${entities++}`;
  const base = Date.parse("2026-11-01T00:00:00.000Z");
  return LIFECYCLES[kind].map((type, n) => {
    const sample = structuredClone(sampleEvents[type]) as Record<string, unknown> & { data: Record<string, unknown> };
    sample.id = `msg_${entityId}_${n}`;
    sample.createdAt = new Date(base + n * 1000).toISOString();
    sample.data.id = entityId;
    return { type, n, body: JSON.stringify(sample) };
  });
}

/**
 * Delivers `order` (indices into the entity's lifecycle) to a handler with ordering on,
 * all at once, each retried until acknowledged; the handler fails with probability
 * `failRate` and takes a few ms. Asserts the invariants and returns what was applied.
 */
export async function simulate(store: IdempotencyStore, kind: Kind, order: readonly number[], options: { seed: number; failRate: number; run: string }) {
  const random = seeded(options.seed);
  const events = entityEvents(kind, options.run);
  const applied: number[] = [];
  let running = 0;
  let overlapped = false;
  let stale = 0;
  const handle = createHandler({
    secret: (await import("../../helpers/sign.js")).TEST_SECRET,
    store,
    logger: silentLogger,
    ordering: true,
    onStale: () => void stale++,
    on: Object.fromEntries(
      LIFECYCLES[kind].map((type, n) => [
        type,
        async () => {
          running++;
          if (running > 1) overlapped = true;
          try {
            await sleep(Math.floor(random() * 4));
            if (random() < options.failRate) throw new Error("injected failure");
            applied.push(n);
          } finally {
            running--;
          }
        },
      ]),
    ),
  });

  await Promise.all(
    order.map(async (index, position) => {
      await sleep(position);
      for (let attempt = 1; ; attempt++) {
        const response = await handle(signedRequest({ body: events[index]!.body }));
        if (response.ok) return;
        expect([409, 500]).toContain(response.status);
        if (attempt > 200) throw new Error(`event ${index} never acknowledged`);
        await sleep(1 + Math.floor(random() * 5));
      }
    }),
  );

  expect(overlapped, "two handlers of one entity ran at the same time").toBe(false);
  // Never regresses: each applied event is newer than every one applied before it.
  for (let i = 1; i < applied.length; i++) expect(applied[i]).toBeGreaterThan(applied[i - 1]!);
  // The final state equals in-order application: the newest event was applied last.
  expect(applied.at(-1)).toBe(events.length - 1);
  return { applied, stale };
}
