// The Redis store. Over 200 lines: its Lua scripts, one per operation, live beside the code.
import {
  guard,
  listLimit,
  newOwnerToken,
  orderValue,
  resolveDatabaseSettings,
  storeUnavailable,
  type StoreSettingsInput,
} from "./settings.js";
import type { ClaimResult, EntityClaimResult, EntityPosition, IdempotencyStore, ParkedDelivery } from "./store.js";

/**
 * The part of a node-redis client (`createClient()` from `redis` v4 or later) the store uses.
 * @example
 * import { createClient } from "redis";
 * const client: NodeRedisClientLike = await createClient({ url, disableOfflineQueue: true }).connect();
 */
export interface NodeRedisClientLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * The part of an ioredis client (`new Redis()` or `new Redis.Cluster()`) the store uses.
 * @example
 * import { Redis } from "ioredis";
 * const client: IoRedisClientLike = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
 */
export interface IoRedisClientLike {
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  evalsha(sha1: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

/**
 * A node-redis or an ioredis client; which one is detected at creation.
 * @example const client: RedisClientLike = new Redis(process.env.REDIS_URL!);
 */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/**
 * Options of {@link createRedisStore}.
 * @example createRedisStore({ client, prefix: "shop:webhooks:", ttlMs: 48 * 3600_000, leaseMs: 60_000, timeoutMs: 2_000 });
 */
export interface RedisStoreOptions extends StoreSettingsInput {
  /** A connected node-redis or ioredis client. The store never connects or closes it. */
  client: RedisClientLike;
  /** Prepended to every key. Default `"agentref-webhooks:idem:"`. */
  prefix?: string;
  /** An operation with no answer after this many milliseconds fails with `STORE_UNAVAILABLE`. Default 5,000. */
  timeoutMs?: number;
}

/**
 * The default key prefix of {@link createRedisStore}.
 * @example await client.keys(`${DEFAULT_REDIS_PREFIX}*`); // every record (debugging only: KEYS blocks the server)
 */
export const DEFAULT_REDIS_PREFIX = "agentref-webhooks:idem:";

// Every script reads the server's clock (TIME) as epoch ms into `now`.
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// A record is a hash: s = status (p = in progress, c = completed), t = owner token,
// l = lease expiry (server ms), h = body hash; the key's PX expiry is the record TTL. Times come
// from the server's TIME so instances with skewed clocks agree.
const CLAIM = `
${NOW_MS}local rec = redis.call('HMGET', KEYS[1], 's', 't', 'l', 'h')
if rec[1] then
  if rec[4] ~= ARGV[2] then return {'conflict', 0} end
  if rec[1] == 'c' then return {'completed', 0} end
  local lease = tonumber(rec[3])
  if lease > now then return {'in-progress', lease - now} end
end
local lease = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 's', 'p', 't', ARGV[1], 'l', string.format('%.0f', lease), 'h', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'claimed', lease}
`;

const COMPLETE = `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'c')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const RELEASE = `
local rec = redis.call('HMGET', KEYS[1], 's', 't')
if rec[1] ~= 'p' or rec[2] ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

// Renews an event record or an entity lock (an entity hash has no 's'). The record's TTL restarts
// too, so a long-running claim never outlives its record.
const RENEW = `
local rec = redis.call('HMGET', KEYS[1], 's', 't')
if rec[1] == 'c' or rec[2] ~= ARGV[1] then return 0 end
${NOW_MS}redis.call('HSET', KEYS[1], 'l', string.format('%.0f', now + tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

// Ordering: an entity is a hash at `<prefix>entity:<key>` (event keys never hold ':'): t = lock
// owner token, l = its lease expiry, o / e = order and event id of the latest applied event.
// ARGV[2] is the order as JavaScript wrote it ('' when none), compared as a double.
const CLAIM_ENTITY = `
${NOW_MS}local rec = redis.call('HMGET', KEYS[1], 't', 'l', 'o', 'e')
if rec[3] and ARGV[2] ~= '' then
  local applied = tonumber(rec[3])
  local order = tonumber(ARGV[2])
  if order < applied or (order == applied and rec[4] == ARGV[3]) then return {'stale', 0} end
end
if rec[1] then
  local lease = tonumber(rec[2])
  if lease > now then return {'in-progress', lease - now} end
end
redis.call('HSET', KEYS[1], 't', ARGV[1], 'l', string.format('%.0f', now + tonumber(ARGV[4])))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'claimed', 0}
`;

// ARGV: token, order ('' records nothing), event id, ttlMs. Records the applied position unless
// a larger one is stored (even when the lock was lost), then clears the lock if the token holds it.
const RELEASE_ENTITY = `
if ARGV[2] ~= '' then
  local stored = redis.call('HGET', KEYS[1], 'o')
  if not stored or tonumber(stored) <= tonumber(ARGV[2]) then
    redis.call('HSET', KEYS[1], 'o', ARGV[2], 'e', ARGV[3])
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
  end
end
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 't', 'l')
if redis.call('HEXISTS', KEYS[1], 'o') == 0 then redis.call('DEL', KEYS[1]) end
return 1
`;

// Parking: KEYS[1] = `<prefix>{parked}`, key -> JSON delivery; KEYS[2] = `<prefix>{parked}:at`,
// keys scored by parkedAt. The {parked} hash tag keeps both in one cluster slot.
const PARK = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`;

// ARGV[1]: how many (-1: all), oldest first; ties by key.
const LIST_PARKED = `
local keys = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]))
local out = {}
for i, key in ipairs(keys) do out[i] = redis.call('HGET', KEYS[1], key) end
return out
`;

const UNPARK = `
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
`;

// EVALSHA, or EVAL (which also caches the script), on either client.
type Driver = (command: "evalSha" | "eval", script: string, keys: string[], args: string[]) => Promise<unknown>;

function driverFor(client: RedisClientLike): Driver {
  const c = client as Partial<NodeRedisClientLike & IoRedisClientLike> | null | undefined;
  if (typeof c?.evalSha === "function" && typeof c.eval === "function") {
    const nodeRedis = client as NodeRedisClientLike;
    return (command, script, keys, args) => nodeRedis[command](script, { keys, arguments: args });
  }
  if (typeof c?.evalsha === "function" && typeof c.eval === "function") {
    const ioredis = client as IoRedisClientLike;
    return (command, script, keys, args) => ioredis[command === "eval" ? "eval" : "evalsha"](script, keys.length, ...keys, ...args);
  }
  throw new TypeError(
    "createRedisStore: `client` must be a node-redis client (createClient() from 'redis') or an ioredis client (new Redis()).",
  );
}

const shaCache = new Map<string, Promise<string>>();

function sha1Of(script: string): Promise<string> {
  let sha = shaCache.get(script);
  if (sha === undefined) {
    sha = globalThis.crypto.subtle
      .digest("SHA-1", new TextEncoder().encode(script))
      .then((digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""));
    shaCache.set(script, sha);
  }
  return sha;
}

function failureHint(err: unknown): string | undefined {
  return /closed/i.test(err instanceof Error ? err.message : "")
    ? "The client is not connected: connect it before handling deliveries (node-redis: await client.connect()). The sender retries this delivery."
    : undefined;
}

/**
 * An idempotency store on Redis (or Valkey, Redis >= 5) with a node-redis (v4+) or ioredis client, clusters
 * included. Each operation is one atomic Lua script on the server clock. Failures become `STORE_UNAVAILABLE`
 * (503). Both drivers queue commands while disconnected, so make the client fail fast (node-redis
 * `disableOfflineQueue: true`; ioredis `enableOfflineQueue: false, maxRetriesPerRequest: 1`), else the store
 * gives up after `timeoutMs`.
 * @example
 * import { createClient } from "redis";
 * import { createRedisStore } from "agentref-webhooks/redis";
 * const client = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * const handler = createHandler({ secret, store: createRedisStore({ client }), on: {} });
 */
export function createRedisStore(options: RedisStoreOptions): Required<IdempotencyStore> {
  const { settings, timeoutMs } = resolveDatabaseSettings("redis", options);
  const driver = driverFor(options.client);
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== "string") throw new TypeError("createRedisStore: `prefix` must be a string.");
  const ttl = String(settings.ttlMs);
  const lease = String(settings.leaseMs);

  const parkedKeys = [`${prefix}{parked}`, `${prefix}{parked}:at`];

  const evaluate = async (script: string, keys: string[], args: string[]) => {
    try {
      return await driver("evalSha", await sha1Of(script), keys, args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      return await driver("eval", script, keys, args);
    }
  };
  const run = (operation: string, script: string, key: string | string[], args: string[]): Promise<unknown> =>
    guard("redis", operation, timeoutMs, () => evaluate(script, typeof key === "string" ? [prefix + key] : key, args), failureHint);

  const unexpected = (operation: string, value: unknown) =>
    storeUnavailable("redis", operation, new Error(`unexpected reply from the ${operation} script: ${JSON.stringify(value)}`));
  const flag = async (operation: string, script: string, key: string | string[], args: string[]) =>
    Number(await run(operation, script, key, args)) === 1;
  // A script's reply `[status, number]`; Buffers too, from clients configured to return them.
  const reply = async (operation: string, script: string, key: string, args: string[], statuses: string[]) => {
    const value = await run(operation, script, key, args);
    const status = Array.isArray(value) && value.length >= 2 ? String(value[0]) : "";
    if (!statuses.includes(status)) throw unexpected(operation, value);
    return { status, value: Number((value as unknown[])[1]) };
  };

  return {
    settings,
    async claim(key, { bodyHash }): Promise<ClaimResult> {
      const token = newOwnerToken();
      const args = [token, bodyHash, lease, ttl];
      const { status, value } = await reply("claim", CLAIM, key, args, ["claimed", "in-progress", "completed", "conflict"]);
      if (status === "claimed") return { status, token, leaseExpiresAt: value };
      if (status === "in-progress") return { status, retryAfterMs: Math.max(1, value) };
      return { status: status as "completed" | "conflict" };
    },
    complete: (key, token) => flag("complete", COMPLETE, key, [token, ttl]),
    release: (key, token) => flag("release", RELEASE, key, [token]),
    renew: (key, token) => flag("renew", RENEW, key, [token, lease, ttl]),
    async claimEntity(key, position): Promise<EntityClaimResult> {
      const token = newOwnerToken();
      const args = [token, orderArg(position), position.eventId, lease, ttl];
      const { status, value } = await reply("claimEntity", CLAIM_ENTITY, `entity:${key}`, args, ["claimed", "in-progress", "stale"]);
      if (status === "claimed") return { status, token };
      if (status === "in-progress") return { status, retryAfterMs: Math.max(1, value) };
      return { status: "stale" };
    },
    renewEntity: (key, token) => flag("renewEntity", RENEW, `entity:${key}`, [token, lease, ttl]),
    releaseEntity: (key, token, applied) =>
      flag("releaseEntity", RELEASE_ENTITY, `entity:${key}`, [token, orderArg(applied), applied?.eventId ?? "", ttl]),
    async park(delivery) {
      const { key, provider, eventId, type, body, parkedAt, reason } = delivery;
      const json = JSON.stringify({ key, provider, eventId, type, body, parkedAt, reason });
      await run("park", PARK, parkedKeys, [key, json, String(parkedAt)]);
    },
    async listParked(listOptions = {}) {
      const limit = listLimit("redis", listOptions.limit);
      if (limit === 0) return [];
      const entries = await run("listParked", LIST_PARKED, parkedKeys, [String(limit === undefined ? -1 : limit - 1)]);
      if (!Array.isArray(entries)) throw unexpected("listParked", entries);
      return entries.filter((entry) => entry !== null && entry !== undefined).map((entry) => JSON.parse(String(entry)) as ParkedDelivery);
    },
    unpark: (key) => flag("unpark", UNPARK, parkedKeys, [key]),
  };
}

// '' when there is no order. String(n) reads back as the same double, in Lua as in JS.
function orderArg(position: EntityPosition | undefined): string {
  const order = orderValue(position);
  return order === null ? "" : String(order);
}
