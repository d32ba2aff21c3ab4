// Shared by the queue suites: a unique queue per test on the real Redis, removed after.
import { randomUUID } from "node:crypto";
import { Queue, type ConnectionOptions } from "bullmq";
import { sampleEvents } from "../../../src/events/samples.js";
import type { EventType } from "../../../src/events/catalog.js";

/**
 * BullMQ connection options for a redis:// URL.
 *
 * @example
 * new Queue("q", { connection: connectionFor(process.env.REDIS_URL!) });
 */
export function connectionFor(url: string, extra: Record<string, unknown> = {}): ConnectionOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isFinite(db) ? { db } : {}),
    ...extra,
  };
}

/** A queue name no other test (or concurrent run) uses. */
export const uniqueQueueName = (label: string): string => `aw-test-${label}-${process.pid}-${randomUUID().slice(0, 8)}`;

/**
 * Opens a producer queue and registers it for removal.
 *
 * @example
 * const queue = kit.queue("dedupe");
 */
export function createQueueKit(url: string) {
  const opened: Queue[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  return {
    // A getter: suites build their kit while being collected, also when they will be skipped.
    get connection() {
      return connectionFor(url);
    },
    queue(label: string): Queue {
      // A producer fails fast when Redis is down instead of buffering commands.
      const queue = new Queue(uniqueQueueName(label), { connection: connectionFor(url, { enableOfflineQueue: false }) });
      queue.on("error", () => {});
      opened.push(queue);
      return queue;
    },
    /** Something else to close before the queues are obliterated (workers, servers). */
    defer(close: () => Promise<unknown>) {
      closers.push(close);
    },
    async cleanup() {
      for (const close of closers.splice(0).reverse()) await close().catch(() => {});
      for (const queue of opened.splice(0)) {
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close().catch(() => {});
      }
    },
  };
}

const types = Object.keys(sampleEvents) as EventType[];

/**
 * The documented example of the i-th type (cycling through all 13), with its own id.
 *
 * @example
 * const body = JSON.stringify(eventNumber(7));
 */
export function eventNumber(i: number, prefix = "msg_q"): Record<string, unknown> & { id: string; type: string } {
  const type = types[i % types.length]!;
  return { ...(sampleEvents[type] as object), id: `${prefix}${i}` } as Record<string, unknown> & { id: string; type: string };
}
