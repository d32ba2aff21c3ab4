// Fuzz properties of the receiver, shared by the bounded suite in `npm test`
// (test/fuzz/*.test.ts, fixed seed) and the longer local run (`npm run fuzz`,
// scripts/fuzz.ts, random seed). Framework-neutral: a property fails by throwing.
//
// What every property holds, whatever the input:
// - the handler answers (never throws, never rejects) with a documented status
//   (a value of `errorStatus` or `outcomeStatus`);
// - a user handler runs only for a delivery the reference implementation
//   (`standardwebhooks`) accepts, and the idempotency store is touched only then;
// - `Object.prototype` (and friends) are never modified;
// - no answer carries the secret.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { sampleEvents } from "../../src/events/samples.js";
import { UnknownEvent } from "../../src/events/unknown-event.js";
import { errorStatus } from "../../src/errors/index.js";
import { createHandler } from "../../src/handler/create-handler.js";
import { createPipeline } from "../../src/handler/pipeline.js";
import { outcomeStatus } from "../../src/handler/responses.js";
import type { HandlerContext } from "../../src/handler/types.js";
import { createMemoryStore } from "../../src/idempotency/memory.js";
import type { IdempotencyStore } from "../../src/idempotency/store.js";
import { isWebhookError } from "../../src/errors/index.js";

// ---------------------------------------------------------------------------------
// Fixed material

const bytesOf = (seed: number, n = 32) => Uint8Array.from({ length: n }, (_, i) => (i * seed + 11) & 0xff);
/** The endpoint's key (32 bytes) and its `whsec_` form. */
export const SECRET_KEY = bytesOf(37);
export const SECRET = `whsec_${Buffer.from(SECRET_KEY).toString("base64")}`;
/** Another tenant's key: valid, but not this endpoint's. */
export const OTHER_KEY = bytesOf(53);
export const OTHER_SECRET = `whsec_${Buffer.from(OTHER_KEY).toString("base64")}`;
const SECRET_MARKERS = [SECRET, SECRET.slice(6), Buffer.from(SECRET_KEY).toString("hex")];

export const DOCUMENTED_STATUSES: ReadonlySet<number> = new Set([...Object.values(errorStatus), ...Object.values(outcomeStatus)]);
/** What an unverifiable request may be answered with. */
const REJECTED_UNVERIFIED: ReadonlySet<number> = new Set([
  errorStatus.INVALID_SIGNATURE,
  errorStatus.METHOD_NOT_ALLOWED,
  errorStatus.BODY_TOO_LARGE,
]);
const VERIFICATION_CODES = new Set(["MISSING_HEADERS", "INVALID_SIGNATURE", "INVALID_TIMESTAMP", "TIMESTAMP_TOO_OLD", "TIMESTAMP_TOO_NEW"]);

const EVENT_TYPES = Object.keys(sampleEvents) as (keyof typeof sampleEvents)[];
const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A Standard Webhooks v1 signature entry over raw bytes (the spec, written out). */
export function signEntry(key: Uint8Array, id: string, timestamp: string, body: Uint8Array | string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
}

function fail(message: string, details: Record<string, unknown> = {}): never {
  const shown = Object.entries(details)
    .map(([k, v]) => `  ${k}: ${typeof v === "string" ? v.slice(0, 300) : JSON.stringify(v)?.slice(0, 300)}`)
    .join("\n");
  throw new Error(`${message}${shown ? `\n${shown}` : ""}`);
}

// ---------------------------------------------------------------------------------
// Prototype pollution

const GUARDED: [string, object][] = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];
const snapshot = GUARDED.map(([name, proto]) => [name, Object.getOwnPropertyNames(proto).sort().join(",")] as const);
/** Names a hostile body uses to try pollution. */
export const POLLUTION_KEYS = ["polluted", "isAdmin", "fuzzPolluted"] as const;

/** Throws when a built-in prototype gained, lost or inherited a property. */
export function assertNoPollution(): void {
  GUARDED.forEach(([name, proto], i) => {
    const now = Object.getOwnPropertyNames(proto).sort().join(",");
    if (now !== snapshot[i]![1]) fail(`${name} was modified`, { before: snapshot[i]![1], after: now });
  });
  const probe = {} as Record<string, unknown>;
  for (const key of POLLUTION_KEYS) if (probe[key] !== undefined) fail(`Object.prototype.${key} is set`);
  if (Object.getPrototypeOf(probe) !== Object.prototype) fail("a new object literal has another prototype");
}

// ---------------------------------------------------------------------------------
// A receiver with everything recorded

interface Run {
  event: unknown;
  ctx: HandlerContext;
}

/**
 * A fresh handler with a handler for every type, `onUnknown` and `onUnhandled`, so
 * a verified, parseable delivery always runs one; plus counters on the store.
 */
export function makeReceiver(options: { maxBodyBytes?: number; secret?: string | string[] } = {}) {
  const runs: Run[] = [];
  const calls = { claim: 0, complete: 0, release: 0 };
  const inner = createMemoryStore({ logger: {} });
  const store: IdempotencyStore = {
    settings: inner.settings,
    claim: (key, o) => (calls.claim++, inner.claim(key, o)),
    complete: (key, token) => (calls.complete++, inner.complete(key, token)),
    release: (key, token) => (calls.release++, inner.release(key, token)),
    renew: (key, token) => inner.renew(key, token),
  };
  const record = (event: unknown, ctx: HandlerContext) => {
    runs.push({ event, ctx });
  };
  const on = Object.fromEntries(EVENT_TYPES.map((type) => [type, record]));
  // Everything the SDK logs or reports, to check that the secret never appears in it.
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    logs.push(`${level} ${message} ${safeJson(fields)}`);
  };
  const config = {
    secret: options.secret ?? SECRET,
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    onError: (error: Error) => void logs.push(`onError ${error.message}`),
    store,
    on,
    onUnknown: record,
    onUnhandled: record,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  };
  const handler = createHandler(config);
  const pipeline = createPipeline(config);
  /** Throws when a log line or an onError message contains the secret. */
  const checkLogs = (context: Record<string, unknown>) => {
    for (const line of logs) for (const marker of SECRET_MARKERS) if (line.includes(marker)) fail("a log line contains the secret", { ...context, line });
  };
  return { handler, pipeline, runs, calls, logs, checkLogs };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

export interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** What every answer must satisfy. */
function checkAnswer(answer: Answer, context: Record<string, unknown>): void {
  if (!DOCUMENTED_STATUSES.has(answer.status)) fail(`undocumented status ${answer.status}`, { ...context, body: answer.text });
  for (const marker of SECRET_MARKERS) if (answer.text.includes(marker)) fail("the answer contains the secret", context);
  if (answer.status >= 400 && !(answer.json && typeof answer.json.code === "string" && answer.json.code in errorStatus)) {
    fail("an error answer without a documented code", { ...context, body: answer.text });
  }
}

/** Events handed to user code carry no polluted prototype. */
function checkEventShape(event: unknown): void {
  if (event instanceof UnknownEvent) {
    if (Object.getPrototypeOf(event.raw) !== Object.prototype) fail("UnknownEvent.raw has a foreign prototype");
    return;
  }
  if (typeof event !== "object" || event === null) fail("the handler received a non-object event", { event: String(event) });
  if (Object.getPrototypeOf(event) !== Object.prototype) fail("the event has a foreign prototype");
  const data = (event as { data?: unknown }).data;
  if (typeof data === "object" && data !== null && !Array.isArray(data) && Object.getPrototypeOf(data) !== Object.prototype) {
    fail("event.data has a foreign prototype");
  }
  for (const key of POLLUTION_KEYS) {
    if (!Object.hasOwn(event, key) && (event as Record<string, unknown>)[key] !== undefined) fail(`the event inherits "${key}"`);
  }
}

// ---------------------------------------------------------------------------------
// Deliveries on the wire and their mutations

/** A request as a list of header lines (duplicates allowed) and raw bytes. */
export interface Wire {
  method: string;
  headers: [string, string][];
  body: Uint8Array;
}

const FAMILIES = {
  svix: ["svix-id", "svix-timestamp", "svix-signature"],
  webhook: ["webhook-id", "webhook-timestamp", "webhook-signature"],
} as const;
type Family = keyof typeof FAMILIES;

/** A signed, valid delivery of one documented sample event. */
export interface Base {
  type: (typeof EVENT_TYPES)[number];
  id: string;
  /** Seconds from now, within the 300 s tolerance. */
  offset: number;
  family: Family;
}

const ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
const arbIdTail = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 24 });
const arbBase: fc.Arbitrary<Base> = fc.record({
  type: fc.constantFrom(...EVENT_TYPES),
  id: arbIdTail.map((t) => `msg_${t}`),
  offset: fc.integer({ min: -290, max: 290 }),
  family: fc.constantFrom<Family>("svix", "svix", "webhook"),
});

function envelopeText(base: Base): string {
  return JSON.stringify({ ...sampleEvents[base.type], id: base.id });
}

/** Mutations of the body bytes. Some may be no-ops; callers that need a change check. */
type BodyMutation =
  | { op: "flip"; at: number; xor: number }
  | { op: "append"; bytes: number[] }
  | { op: "truncate"; keep: number }
  | { op: "pretty" }
  | { op: "bom" }
  | { op: "nfd" }
  | { op: "replaceDigit"; at: number };

const arbBodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant("append" as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.constant({ op: "pretty" as const }),
  fc.constant({ op: "bom" as const }),
  fc.constant({ op: "nfd" as const }),
  fc.record({ op: fc.constant("replaceDigit" as const), at: fc.nat() }),
);

function mutateBody(body: Uint8Array, m: BodyMutation): Uint8Array {
  switch (m.op) {
    case "flip": {
      const out = body.slice();
      if (out.length > 0) out[m.at % out.length]! ^= m.xor;
      return out;
    }
    case "append":
      return Uint8Array.from([...body, ...m.bytes]);
    case "truncate":
      return body.slice(0, body.length === 0 ? 0 : m.keep % body.length);
    case "pretty":
      try {
        return utf8(JSON.stringify(JSON.parse(Buffer.from(body).toString("utf8")), null, 2));
      } catch {
        return Uint8Array.from([...body, 0x0a]);
      }
    case "bom":
      return Uint8Array.from([0xef, 0xbb, 0xbf, ...body]);
    case "nfd":
      return utf8(`${Buffer.from(body).toString("utf8").normalize("NFD")}\u0301`);
    case "replaceDigit": {
      const out = body.slice();
      const digits = [...out.keys()].filter((i) => out[i]! >= 0x30 && out[i]! <= 0x39);
      if (digits.length > 0) {
        const i = digits[m.at % digits.length]!;
        out[i] = out[i] === 0x39 ? 0x30 : out[i]! + 1;
      }
      return out;
    }
  }
}

/** Signature header values that can never be a valid signature for the content sent. */
type ForgedSignature =
  | { op: "junk"; text: string }
  | { op: "prefixOfOther"; keep: number }
  | { op: "empty" }
  | { op: "randomDigest"; digest: string };

const arbForgedSignature: fc.Arbitrary<ForgedSignature> = fc.oneof(
  fc.record({ op: fc.constant("junk" as const), text: fc.string({ unit: "binary-ascii", maxLength: 80 }) }),
  fc.record({ op: fc.constant("prefixOfOther" as const), keep: fc.integer({ min: 0, max: 47 }) }),
  fc.constant({ op: "empty" as const }),
  fc.record({ op: fc.constant("randomDigest" as const), digest: fc.base64String({ minLength: 44, maxLength: 44 }) }),
);

/**
 * Mutations of the valid signature (for the differential property): some keep it
 * valid (whitespace, extra entries), most break it (truncation: CVE-2024-21491).
 */
type SignatureMutation =
  | { op: "truncate"; keep: number }
  | { op: "changeChar"; at: number; to: string }
  | { op: "unpad" }
  | { op: "base64url" }
  | { op: "upper" }
  | { op: "version"; prefix: string }
  | { op: "double" }
  | { op: "entries"; before: string[]; after: string[] }
  | { op: "commaJoin" };

const arbJunkEntry = fc.oneof(
  fc.constantFrom("", "v1,", "v1", "v2,abc", "v1a,xyz", ",", "v1,,", "v1,="),
  fc.base64String({ minLength: 44, maxLength: 44 }).map((d) => `v1,${d}`),
  fc.base64String({ minLength: 44, maxLength: 44 }).map((d) => `v2,${d}`),
  fc.string({ unit: "binary-ascii", maxLength: 20 }).map((s) => s.replace(/[\r\n\0]/g, "")),
);

const arbSignatureMutation: fc.Arbitrary<SignatureMutation> = fc.oneof(
  fc.record({ op: fc.constant("truncate" as const), keep: fc.integer({ min: 0, max: 46 }) }),
  fc.record({ op: fc.constant("changeChar" as const), at: fc.nat(), to: fc.constantFrom(..."AZaz09+/=-_ ") }),
  fc.constant({ op: "unpad" as const }),
  fc.constant({ op: "base64url" as const }),
  fc.constant({ op: "upper" as const }),
  fc.record({ op: fc.constant("version" as const), prefix: fc.constantFrom("v2,", "V1,", "v1=", "v1 ,", "v1,,", "v1", "", "v11,") }),
  fc.constant({ op: "double" as const }),
  fc.record({ op: fc.constant("entries" as const), before: fc.array(arbJunkEntry, { maxLength: 4 }), after: fc.array(arbJunkEntry, { maxLength: 4 }) }),
  fc.constant({ op: "commaJoin" as const }),
);

function mutateSignature(valid: string, m: SignatureMutation): string {
  const digest = valid.slice(3);
  switch (m.op) {
    case "truncate":
      return valid.slice(0, Math.min(m.keep, valid.length - 1));
    case "changeChar": {
      const i = 3 + (m.at % digest.length);
      return valid.slice(0, i) + m.to + valid.slice(i + 1);
    }
    case "unpad":
      return valid.replace(/=+$/, "");
    case "base64url":
      return valid.replace(/\+/g, "-").replace(/\//g, "_");
    case "upper":
      return valid.toUpperCase();
    case "version":
      return m.prefix + digest;
    case "double":
      return `v1,${digest}${digest}`;
    case "entries":
      return [...m.before, valid, ...m.after].join(" ");
    case "commaJoin":
      return `v1,${digest},v1,${digest}`;
  }
}

/** Timestamp header texts that are not the canonical text of the signed second. */
const arbBadTimestampText = (ts: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      `0${ts}`,
      `+${ts}`,
      `${ts}.0`,
      `${ts}.5`,
      `${ts}e0`,
      `${ts * 1000}`,
      `${ts}abc`,
      `-${ts}`,
      "0x" + ts.toString(16),
      "1e9",
      "NaN",
      "Infinity",
      "9".repeat(400),
      String(Number.MAX_SAFE_INTEGER + 2),
      "١٢٣٤٥٦٧٨٩٠",
      `${ts}`.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
      "",
      " ",
    ),
    fc.integer({ min: 1, max: 10_000_000 }).chain((d) => fc.constantFrom(String(ts + d), String(Math.max(0, ts - d)))),
    fc.string({ unit: "binary-ascii", maxLength: 24 }),
  );

/** Noise on the header lines: names, duplicates, families, whitespace, extra headers. */
type HeaderNoise =
  | { op: "case"; at: number; upper: boolean }
  | { op: "switchFamily" }
  | { op: "copyFamily" }
  | { op: "duplicate"; at: number }
  | { op: "duplicateJunk"; at: number; value: string }
  | { op: "drop"; at: number }
  | { op: "emptyValue"; at: number }
  | { op: "pad"; at: number }
  | { op: "extraHeader"; name: string; value: string }
  | { op: "manyEntries"; count: number }
  | { op: "hugeSignature"; length: number };

const arbHeaderNoise: fc.Arbitrary<HeaderNoise> = fc.oneof(
  fc.record({ op: fc.constant("case" as const), at: fc.nat(), upper: fc.boolean() }),
  fc.constant({ op: "switchFamily" as const }),
  fc.constant({ op: "copyFamily" as const }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("duplicateJunk" as const), at: fc.nat(), value: fc.stringMatching(/^[!-~]{1,20}$/) }),
  fc.record({ op: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("emptyValue" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("pad" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("extraHeader" as const),
    name: fc.constantFrom("x-junk", "svix-id", "webhook-signature", "content-length-x", "constructor", "__proto__", "toString", "svix-timestamp"),
    value: fc.stringMatching(/^[ -~]{0,30}$/),
  }),
  fc.record({ op: fc.constant("manyEntries" as const), count: fc.integer({ min: 30, max: 3000 }) }),
  fc.record({ op: fc.constant("hugeSignature" as const), length: fc.integer({ min: 16 * 1024 - 8, max: 64 * 1024 }) }),
);

function applyNoise(lines: [string, string][], noise: HeaderNoise): [string, string][] {
  const out = lines.map(([n, v]) => [n, v] as [string, string]);
  const pick = (at: number) => (out.length === 0 ? -1 : at % out.length);
  switch (noise.op) {
    case "case": {
      const i = pick(noise.at);
      if (i >= 0) out[i]![0] = noise.upper ? out[i]![0].toUpperCase() : out[i]![0].replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
      return out;
    }
    case "switchFamily":
      return out.map(([n, v]): [string, string] => [/^svix-/i.test(n) ? n.replace(/^svix-/i, "webhook-") : n.replace(/^webhook-/i, "svix-"), v]);
    case "copyFamily":
      return [
        ...out,
        ...out
          .filter(([n]) => /^(svix|webhook)-/i.test(n))
          .map(([n, v]): [string, string] => [/^svix-/i.test(n) ? n.replace(/^svix-/i, "webhook-") : n.replace(/^webhook-/i, "svix-"), v]),
      ];
    case "duplicate": {
      const i = pick(noise.at);
      if (i >= 0) out.push([out[i]![0], out[i]![1]]);
      return out;
    }
    case "duplicateJunk": {
      const i = pick(noise.at);
      if (i >= 0) out.push([out[i]![0], noise.value]);
      return out;
    }
    case "drop": {
      const i = pick(noise.at);
      if (i >= 0) out.splice(i, 1);
      return out;
    }
    case "emptyValue": {
      const i = pick(noise.at);
      if (i >= 0) out[i]![1] = "";
      return out;
    }
    case "pad": {
      const i = pick(noise.at);
      if (i >= 0) out[i]![1] = `  ${out[i]![1]}\t`;
      return out;
    }
    case "extraHeader":
      out.push([noise.name, noise.value]);
      return out;
    case "manyEntries":
      return out.map(([n, v]) => [n, /signature$/i.test(n) ? `${Array.from({ length: noise.count }, () => "v1,AAAA").join(" ")} ${v}` : v]);
    case "hugeSignature":
      return out.map(([n, v]) => [n, /signature$/i.test(n) ? `${"v1,A".padEnd(noise.length, "A")} ${v}` : v]);
  }
}

function baseLines(family: Family, id: string, timestamp: string, signature: string): [string, string][] {
  const [idName, tsName, sigName] = FAMILIES[family];
  return [
    [idName, id],
    [tsName, timestamp],
    [sigName, signature],
    ["content-type", "application/json"],
  ];
}

/** A Web Request for the handler; header lines a Headers object refuses are left out (they cannot arrive over HTTP). */
export function toRequest(wire: Wire): Request {
  const headers = new Headers();
  for (const [name, value] of wire.headers) {
    try {
      headers.append(name, value);
    } catch {
      // invalid name or value: a real HTTP stack would have refused it already
    }
  }
  const init: RequestInit = { method: wire.method, headers };
  if (wire.method !== "GET" && wire.method !== "HEAD") init.body = wire.body as BodyInit;
  return new Request("http://127.0.0.1/webhooks/agentref", init);
}

/** Every `v1,` digest in the signature headers sent (any family, any line). */
function sentDigests(wire: Wire): string[] {
  const out: string[] = [];
  for (const [name, value] of wire.headers) {
    if (!/^(svix|webhook)-signature$/i.test(name)) continue;
    for (const m of value.matchAll(/v1,([A-Za-z0-9+/=_-]+)/g)) out.push(m[1]!);
  }
  return out;
}

/**
 * The oracle: a handler ran for `ctx`, so the reference implementation must accept
 * exactly what the handler was given (id, timestamp, body) with a signature that was sent.
 */
function checkRunIsAuthentic(run: Run, wire: Wire, secret: string = SECRET): void {
  const { ctx } = run;
  const reference = new Webhook(secret);
  const sentBody = strictDecoder.decode(wire.body);
  if (ctx.rawBody !== sentBody) fail("the handler was given a body other than the one sent", { given: ctx.rawBody, sent: sentBody });
  const sentIds = wire.headers.filter(([n]) => /^(svix|webhook)-id$/i.test(n)).map(([, v]) => v.trim());
  if (!sentIds.includes(ctx.deliveryId)) fail("the handler was given a delivery id that was not sent", { id: ctx.deliveryId, sentIds });
  const accepted = sentDigests(wire).some((digest) => {
    try {
      reference.verify(ctx.rawBody, { "webhook-id": ctx.deliveryId, "webhook-timestamp": String(ctx.timestamp), "webhook-signature": `v1,${digest}` });
      return true;
    } catch {
      return false;
    }
  });
  if (!accepted) {
    fail("a user handler ran for a delivery the reference implementation rejects", {
      id: ctx.deliveryId,
      timestamp: ctx.timestamp,
      headers: wire.headers.map(([n, v]) => `${n}: ${v.slice(0, 120)}`).join(" | "),
    });
  }
}

async function callHandler(handler: (r: Request) => Promise<Response>, wire: Wire): Promise<Answer> {
  let response: Response;
  try {
    response = await handler(toRequest(wire));
  } catch (error) {
    fail("the handler threw", { error: String((error as Error)?.stack ?? error) });
  }
  if (!(response instanceof Response)) fail("the handler did not answer a Response");
  return answerOf(response);
}

const describeWire = (wire: Wire) => ({
  method: wire.method,
  headers: wire.headers.map(([n, v]) => `${n}: ${v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : v}`).join(" | "),
  body: Buffer.from(wire.body.slice(0, 200)).toString("utf8"),
});

// ---------------------------------------------------------------------------------
// Hostile bodies

const deepArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepObjects = (depth: number, leaf = "1") => '{"a":'.repeat(depth) + leaf + "}".repeat(depth);
const HUGE_NUMBERS = ["1e400", "-1e400", "1e-400", "-0", "123456789012345678901234567890123456789", "0.1e999999999", "9007199254740993", "-9007199254740993", "1.7976931348623157e309"];
const PROTO_INSERTS = [
  '"__proto__":{"polluted":"yes","isAdmin":true}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"prototype":{"polluted":"yes"}',
  '"__proto__":[1,2,3]',
  '"__proto__":null',
  '"hasOwnProperty":"x","toString":"y","valueOf":1',
];
const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];
const HOSTILE_TYPES = ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "", "conversion.created ", "CONVERSION.CREATED", "x".repeat(5000)];

/** A body recipe for a signed delivery: the bytes and a short label for failures. */
export type HostileBody = { label: string; bytes: Uint8Array };

/** Splices `insert` right after the first `{` of the object starting at `anchor` (or the top level). */
function spliceAfter(text: string, anchor: string | undefined, insert: string): string {
  const at = anchor === undefined ? text.indexOf("{") : text.indexOf("{", text.indexOf(anchor));
  if (at < 0) return text;
  return `${text.slice(0, at + 1)}${insert},${text.slice(at + 1)}`;
}

const arbEnvelopeText = fc.record({ type: fc.constantFrom(...EVENT_TYPES), id: arbIdTail }).map(({ type, id }) =>
  JSON.stringify({ ...sampleEvents[type], id: `msg_${id}` }),
);

/** Type confusion: one field of a sample replaced by a random JSON value. */
const arbTypeConfusion = fc
  .record({ type: fc.constantFrom(...EVENT_TYPES), id: arbIdTail, field: fc.nat(), inData: fc.boolean(), value: fc.jsonValue({ maxDepth: 3 }) })
  .map(({ type, id, field, inData, value }): HostileBody => {
    const event = structuredClone(sampleEvents[type]) as Record<string, unknown>;
    event.id = `msg_${id}`;
    const target = (inData ? event.data : event) as Record<string, unknown>;
    const keys = Object.keys(target);
    const key = keys[field % keys.length]!;
    target[key] = value;
    return { label: `type confusion ${inData ? "data." : ""}${key}`, bytes: utf8(JSON.stringify(event)) };
  });

const arbHostileBody: fc.Arbitrary<HostileBody> = fc.oneof(
  { weight: 3, arbitrary: arbTypeConfusion },
  {
    weight: 3,
    arbitrary: fc
      .record({ text: arbEnvelopeText, insert: fc.constantFrom(...PROTO_INSERTS), where: fc.constantFrom(undefined, '"data"', '"data":{') })
      .map(({ text, insert, where }) => ({ label: `proto keys ${insert.slice(0, 16)} at ${where ?? "top"}`, bytes: utf8(spliceAfter(text, where, insert)) })),
  },
  {
    weight: 2,
    arbitrary: fc.record({ text: arbEnvelopeText, n: fc.constantFrom(...HUGE_NUMBERS), field: fc.nat() }).map(({ text, n, field }) => {
      const numbers = [...text.matchAll(/:(-?\d+(?:\.\d+)?)(?=[,}])/g)];
      const m = numbers[field % Math.max(1, numbers.length)];
      const out = m ? text.slice(0, m.index! + 1) + n + text.slice(m.index! + 1 + m[1]!.length) : text;
      return { label: `huge number ${n}`, bytes: utf8(out) };
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        text: arbEnvelopeText,
        depth: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 200 }) }, { weight: 2, arbitrary: fc.constantFrom(1000, 5000, 20_000) }),
        arrays: fc.boolean(),
        where: fc.constantFrom(undefined, '"data":{'),
      })
      .map(({ text, depth, arrays, where }) => ({
        label: `deep ${arrays ? "arrays" : "objects"} ${depth} at ${where ?? "top"}`,
        bytes: utf8(spliceAfter(text, where, `"deep":${arrays ? deepArrays(depth) : deepObjects(depth)}`)),
      })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ depth: fc.constantFrom(10, 1000, 20_000), arrays: fc.boolean() }).map(({ depth, arrays }) => ({
      label: `bare deep ${arrays ? "arrays" : "objects"} ${depth}`,
      bytes: utf8(arrays ? deepArrays(depth) : deepObjects(depth)),
    })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ text: arbEnvelopeText, bad: fc.constantFrom(...INVALID_UTF8), at: fc.nat() })
      .map(({ text, bad, at }) => {
        const bytes = utf8(text);
        const i = at % (bytes.length + 1);
        return { label: `invalid UTF-8 ${bad.map((b) => b.toString(16)).join(" ")}`, bytes: Uint8Array.from([...bytes.slice(0, i), ...bad, ...bytes.slice(i)]) };
      }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ text: arbEnvelopeText, type: fc.constantFrom(...HOSTILE_TYPES) }).map(({ text, type }) => ({
      label: `type ${JSON.stringify(type.slice(0, 20))}`,
      bytes: utf8(text.replace(/"type":"[^"]*"/, `"type":${JSON.stringify(type)}`)),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ text: arbEnvelopeText, id: fc.jsonValue({ maxDepth: 2 }) }).map(({ text, id }) => ({
      label: `id ${JSON.stringify(id)?.slice(0, 20)}`,
      bytes: utf8(text.replace(/"id":"msg_[^"]*"/, `"id":${JSON.stringify(id) ?? "null"}`)),
    })),
  },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((text) => ({ label: "random JSON", bytes: utf8(text) })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ label: "random bytes", bytes })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("", " ", "null", "[]", "{}", '"text"', "1", "true", "{", '{"id":', "\u0000", '{"id":"msg_x"}garbage', '{"a":1}{"b":2}')
      .map((text) => ({ label: `edge ${JSON.stringify(text)}`, bytes: utf8(text) })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ text: arbEnvelopeText, size: fc.integer({ min: 1000, max: 400_000 }) }).map(({ text, size }) => ({
      label: `long string ${size}`,
      bytes: utf8(spliceAfter(text, '"data":{', `"note":"${"x".repeat(size)}"`)),
    })),
  },
);

// ---------------------------------------------------------------------------------
// The properties

/** A named async property; `numRuns` is the share of the suite's default run count. */
export interface FuzzProperty {
  name: string;
  /** Relative cost: the runner scales numRuns down for expensive properties. */
  weight: number;
  property: fc.IAsyncProperty<any>;
}

/**
 * A: deliveries whose signed content was changed (body, id, timestamp, secret or the
 * signature itself), with any header noise on top → 401 / 405 / 413, no handler,
 * no store access, no pollution.
 */
const unverifiedProperty = (() => {
  type Breaking =
    | { kind: "body"; m: BodyMutation }
    | { kind: "id"; suffix: string }
    | { kind: "timestamp"; text: string }
    | { kind: "secret" }
    | { kind: "signature"; forged: ForgedSignature };
  const arbBreaking = (ts: number): fc.Arbitrary<Breaking> =>
    fc.oneof(
      fc.record({ kind: fc.constant("body" as const), m: arbBodyMutation }),
      fc.record({ kind: fc.constant("id" as const), suffix: fc.stringMatching(/^[!-~]{1,6}$/) }),
      fc.record({ kind: fc.constant("timestamp" as const), text: arbBadTimestampText(ts) }),
      fc.constant({ kind: "secret" as const }),
      fc.record({ kind: fc.constant("signature" as const), forged: arbForgedSignature }),
    );
  const now = nowSeconds();
  const arbCase = fc.record({
    base: arbBase,
    breaking: fc.array(arbBreaking(now), { minLength: 1, maxLength: 3 }),
    noise: fc.array(arbHeaderNoise, { maxLength: 4 }),
    method: fc.oneof({ weight: 9, arbitrary: fc.constant("POST") }, { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD") }),
    big: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 64 * 1024, max: 200 * 1024 }) }),
  });
  return fc.asyncProperty(arbCase, async ({ base, breaking, noise, method, big }) => {
    const signedTs = String(nowSeconds() + base.offset);
    let signedBody: Uint8Array = utf8(envelopeText(base));
    if (big > 0) signedBody = utf8(spliceAfter(envelopeText(base), '"data":{', `"pad":"${"p".repeat(big)}"`));
    let sentBody: Uint8Array = signedBody;
    let sentId = base.id;
    let sentTs = signedTs;
    let key = SECRET_KEY;
    let forged: ForgedSignature | undefined;
    for (const b of breaking) {
      if (b.kind === "body") {
        sentBody = mutateBody(sentBody, b.m);
        if (Buffer.compare(sentBody, signedBody) === 0) sentBody = Uint8Array.from([...sentBody, 0x20]);
      } else if (b.kind === "id") sentId = `${sentId}${b.suffix}`;
      else if (b.kind === "timestamp") sentTs = b.text === signedTs ? `${b.text}0` : b.text;
      else if (b.kind === "secret") key = OTHER_KEY;
      else forged = b.forged;
    }
    // The valid entry for what was signed (with `key`), sent with changed content.
    const entry = signEntry(key, base.id, signedTs, signedBody);
    let signature = entry;
    if (forged) {
      if (forged.op === "junk") signature = forged.text.replace(/[\r\n\0]/g, "");
      else if (forged.op === "prefixOfOther") signature = signEntry(OTHER_KEY, sentId, sentTs, sentBody).slice(0, forged.keep);
      else if (forged.op === "empty") signature = "v1,";
      else signature = `v1,${forged.digest}`;
    }
    let lines = baseLines(base.family, sentId, sentTs, signature);
    for (const n of noise) lines = applyNoise(lines, n);
    const wire: Wire = { method, headers: lines, body: sentBody };

    const receiver = makeReceiver({ maxBodyBytes: 64 * 1024 });
    const answer = await callHandler(receiver.handler, wire);
    const context = { ...describeWire(wire), breaking: JSON.stringify(breaking), status: answer.status, answer: answer.text };
    checkAnswer(answer, context);
    receiver.checkLogs(context);
    for (const run of receiver.runs) checkRunIsAuthentic(run, wire);
    if (receiver.runs.length > 0) fail("a user handler ran for a request with changed signed content", context);
    if (receiver.calls.claim + receiver.calls.complete + receiver.calls.release > 0) fail("the store was touched by an unverified request", context);
    if (!REJECTED_UNVERIFIED.has(answer.status)) fail(`an unverifiable request was answered ${answer.status}`, context);
    if (answer.status === 401 && !VERIFICATION_CODES.has(String(answer.json?.code))) fail("401 with a non-verification code", context);
    if (method !== "POST" && answer.status !== 405) fail(`${method} answered ${answer.status}, not 405`, context);
    assertNoPollution();
  });
})();

/**
 * A2: the transport-neutral pipeline (what `toNodeHandler` drives) with Node-style
 * header records: any keys (`__proto__`, `constructor`, mixed case), string / array
 * / number / odd values, any body → never rejects, documented status, no handler
 * unless authentic, no pollution.
 */
const recordHeadersProperty = (() => {
  const arbValue = fc.oneof(
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.array(fc.string({ unit: "binary", maxLength: 30 }), { maxLength: 4 }),
    fc.integer(),
    fc.constantFrom(undefined, null, true, {}, [], [1, 2], Number.NaN),
  );
  const arbName = fc.oneof(
    fc.constantFrom(
      "svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature",
      "Svix-Id", "SVIX-SIGNATURE", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "content-length", "get",
    ),
    fc.string({ unit: "binary-ascii", maxLength: 20 }),
  );
  const arbCase = fc.record({
    base: arbBase,
    keepValid: fc.boolean(),
    extra: fc.array(fc.tuple(arbName, arbValue), { maxLength: 8 }),
    body: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 })),
    asString: fc.boolean(),
  });
  return fc.asyncProperty(arbCase, async ({ base, keepValid, extra, body, asString }) => {
    const ts = String(nowSeconds() + base.offset);
    const valid = utf8(envelopeText(base));
    const sentBody: Uint8Array = keepValid ? valid : typeof body === "string" ? utf8(body) : body;
    // JSON.parse creates own "__proto__" keys, like a hostile header map could hold.
    const record = JSON.parse("{}") as Record<string, unknown>;
    const [idName, tsName, sigName] = FAMILIES[base.family];
    record[idName] = base.id;
    record[tsName] = ts;
    record[sigName] = signEntry(SECRET_KEY, base.id, ts, valid);
    for (const [name, value] of extra) Object.defineProperty(record, name, { value, enumerable: true, configurable: true, writable: true });
    const receiver = makeReceiver();
    let response;
    try {
      response = await receiver.pipeline.process({
        method: "POST",
        headers: record as never,
        body: asString ? Buffer.from(sentBody).toString("utf8") : sentBody,
      });
    } catch (error) {
      fail("pipeline.process threw", { error: String((error as Error)?.stack ?? error) });
    }
    const answer: Answer = { status: response.status, text: response.body, json: JSON.parse(response.body) as Record<string, unknown> };
    const headers: [string, string][] = Object.keys(record).flatMap((name): [string, string][] => {
      const v = record[name];
      return typeof v === "string" ? [[name, v]] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").map((x) => [name, x]) : typeof v === "number" ? [[name, String(v)]] : [];
    });
    const wire: Wire = { method: "POST", headers, body: asString ? utf8(Buffer.from(sentBody).toString("utf8")) : sentBody };
    const context = { ...describeWire(wire), status: answer.status, answer: answer.text };
    checkAnswer(answer, context);
    receiver.checkLogs(context);
    for (const run of receiver.runs) {
      checkRunIsAuthentic(run, wire);
      checkEventShape(run.event);
    }
    if (answer.status >= 200 && answer.status < 300 && receiver.runs.length !== 1) fail("2xx without exactly one handler run", context);
    if (receiver.calls.claim > receiver.runs.length) fail("a claim without a handler run", context);
    assertNoPollution();
  });
})();

/**
 * B: correctly signed but hostile bodies (type confusion, `__proto__` /
 * `constructor` keys, huge numbers, deep nesting, invalid UTF-8, random JSON and
 * bytes, long strings) → 200 (the handler ran exactly once) or 422 (it did not, and
 * the store was not touched), never a crash, no pollution, events with plain prototypes.
 */
const verifiedHostileProperty = fc.asyncProperty(
  fc.record({ body: arbHostileBody, family: fc.constantFrom<Family>("svix", "webhook"), id: arbIdTail }),
  async ({ body, family, id }) => {
    const ts = String(nowSeconds());
    const deliveryId = `msg_d_${id}`;
    const wire: Wire = { method: "POST", headers: baseLines(family, deliveryId, ts, signEntry(SECRET_KEY, deliveryId, ts, body.bytes)), body: body.bytes };
    const receiver = makeReceiver();
    const answer = await callHandler(receiver.handler, wire);
    const context = { label: body.label, ...describeWire(wire), status: answer.status, answer: answer.text };
    checkAnswer(answer, context);
    receiver.checkLogs(context);
    if (answer.status !== 200 && answer.status !== 422) fail(`a signed hostile body was answered ${answer.status}`, context);
    if (answer.status === 200) {
      if (receiver.runs.length !== 1) fail(`200 with ${receiver.runs.length} handler runs`, context);
      checkRunIsAuthentic(receiver.runs[0]!, wire);
      checkEventShape(receiver.runs[0]!.event);
    } else {
      if (receiver.runs.length !== 0) fail("422 but a handler ran", context);
      if (receiver.calls.claim !== 0) fail("422 but the store was touched", context);
      const code = String(answer.json?.code);
      if (!["INVALID_JSON", "INVALID_PAYLOAD", "UNSUPPORTED_SCHEMA_VERSION"].includes(code)) fail(`422 with code ${code}`, context);
    }
    assertNoPollution();
  },
);

/**
 * C: differential against the reference. A valid delivery with random mutations of
 * the signature (truncations as in CVE-2024-21491, alphabet and case changes, extra
 * entries), the timestamp text and the header lines: whenever a handler runs, the
 * reference implementation accepts what it was given; the unmutated delivery is
 * always handled.
 */
const differentialProperty = (() => {
  const now = nowSeconds();
  const arbCase = fc.record({
    base: arbBase,
    // Half the cases keep the signature and the timestamp, so accepted deliveries
    // (with header noise) are common enough to test the oracle on both sides.
    sig: fc.oneof(fc.constant([]), fc.array(arbSignatureMutation, { minLength: 1, maxLength: 2 })),
    ts: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arbBadTimestampText(now) }),
    noise: fc.array(arbHeaderNoise, { maxLength: 2 }),
  });
  return fc.asyncProperty(arbCase, async ({ base, sig, ts, noise }) => {
    const signedTs = String(nowSeconds() + base.offset);
    const body = utf8(envelopeText(base));
    const valid = signEntry(SECRET_KEY, base.id, signedTs, body);
    let signature = valid;
    for (const m of sig) signature = mutateSignature(signature, m);
    let lines = baseLines(base.family, base.id, ts ?? signedTs, signature);
    for (const n of noise) lines = applyNoise(lines, n);
    const wire: Wire = { method: "POST", headers: lines, body };
    const receiver = makeReceiver();
    const answer = await callHandler(receiver.handler, wire);
    const context = { ...describeWire(wire), sig: JSON.stringify(sig), status: answer.status, answer: answer.text };
    checkAnswer(answer, context);
    receiver.checkLogs(context);
    for (const run of receiver.runs) checkRunIsAuthentic(run, wire);
    if (answer.status === 200 && receiver.runs.length !== 1) fail("200 without exactly one run", context);
    if (answer.status !== 200 && answer.status !== 401) fail(`answered ${answer.status} (expected 200 or 401)`, context);
    if (sig.length === 0 && ts === null && noise.length === 0 && answer.status !== 200) fail("a valid delivery was not handled", context);
    // A signature that is a strict prefix of the valid one never verifies (CVE-2024-21491).
    if (sig.length === 1 && sig[0]!.op === "truncate" && ts === null && noise.length === 0 && answer.status !== 401) {
      fail("a truncated signature was accepted", context);
    }
    assertNoPollution();
  });
})();

/**
 * D: secrets. Any string (or list) either makes `createHandler` throw `INVALID_SECRET`
 * at creation, or gives a working handler; the same key written in another alphabet
 * (base64 / base64url, padded or not, with or without `whsec_`) verifies what the
 * reference signs with the canonical form; a delivery signed with another tenant's
 * key is rejected.
 */
const secretsProperty = (() => {
  const arbSecretText = fc.oneof(
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.base64String({ maxLength: 88 }).map((s) => `whsec_${s}`),
    fc.constantFrom("", " ", "whsec_", "whsec_ ", "whpk_abc", "whsec_====", `${SECRET} `, `${SECRET}\n`, SECRET.toUpperCase(), SECRET.slice(0, 20)),
  );
  const arbKeyForm = fc.record({
    key: fc.uint8Array({ minLength: 16, maxLength: 64 }),
    url: fc.boolean(),
    pad: fc.boolean(),
    prefix: fc.boolean(),
  });
  return fc.asyncProperty(
    fc.record({ junk: arbSecretText, form: arbKeyForm, other: fc.uint8Array({ minLength: 16, maxLength: 64 }), id: arbIdTail, type: fc.constantFrom(...EVENT_TYPES), junkFirst: fc.boolean() }),
    async ({ junk, form, other, id, type, junkFirst }) => {
      // 1. Arbitrary text: INVALID_SECRET at creation, or a handler that answers.
      let junkReceiver: ReturnType<typeof makeReceiver> | undefined;
      try {
        junkReceiver = makeReceiver({ secret: junk });
      } catch (error) {
        if (!(isWebhookError(error) && error.code === "INVALID_SECRET")) fail("createHandler threw something other than INVALID_SECRET", { junk, error: String(error) });
        for (const marker of [junk.trim()].filter((m) => m.length >= 8)) {
          if ((error as Error).message.includes(marker)) fail("the INVALID_SECRET message repeats the secret", { junk });
        }
      }
      const body = JSON.stringify({ ...sampleEvents[type], id: `msg_${id}` });
      const ts = String(nowSeconds());
      const canonical = `whsec_${Buffer.from(form.key).toString("base64")}`;
      const signed = new Webhook(canonical).sign(`msg_${id}`, new Date(Number(ts) * 1000), body);
      const wire: Wire = { method: "POST", headers: baseLines("svix", `msg_${id}`, ts, signed), body: utf8(body) };
      if (junkReceiver) {
        const answer = await callHandler(junkReceiver.handler, wire);
        checkAnswer(answer, { junk });
        for (const run of junkReceiver.runs) checkRunIsAuthentic(run, wire, canonical);
      }
      // 2. The same key in any accepted spelling verifies the reference's signature.
      let text = Buffer.from(form.key).toString(form.url ? "base64url" : "base64");
      if (!form.pad) text = text.replace(/=+$/, "");
      else if (form.url) text = text.padEnd(Math.ceil(text.length / 4) * 4, "=");
      const spelled = form.prefix ? `whsec_${text}` : text;
      let receiver: ReturnType<typeof makeReceiver>;
      try {
        receiver = makeReceiver({ secret: spelled });
      } catch (error) {
        fail("a well-formed key was refused", { spelled, error: String(error) });
      }
      const answer = await callHandler(receiver.handler, wire);
      if (answer.status !== 200 || receiver.runs.length !== 1) fail("a delivery signed with the same key was not handled", { spelled, status: answer.status, answer: answer.text });
      // 3. Rotation lists: accepted whatever the position; another tenant's key alone is rejected.
      const otherSecret = `whsec_${Buffer.from(other).toString("base64")}`;
      const sameKey = Buffer.compare(Buffer.from(other), Buffer.from(form.key)) === 0;
      const rotation = makeReceiver({ secret: junkFirst ? [otherSecret, spelled] : [spelled, otherSecret] });
      const rotated = await callHandler(rotation.handler, wire);
      if (rotated.status !== 200) fail("a rotation list did not accept its second secret", { status: rotated.status });
      const tenant = makeReceiver({ secret: otherSecret });
      const crossed = await callHandler(tenant.handler, wire);
      if (!sameKey && (crossed.status !== 401 || tenant.runs.length > 0)) fail("another tenant's secret accepted the delivery", { status: crossed.status });
      assertNoPollution();
    },
  );
})();

/** Every property, in the order the suites and the script run them. */
export const fuzzProperties: FuzzProperty[] = [
  { name: "unverified deliveries are rejected (401/405/413), no handler, no store", weight: 1, property: unverifiedProperty },
  { name: "pipeline with Node-style header records never throws", weight: 1, property: recordHeadersProperty },
  { name: "signed hostile bodies answer 200 or 422", weight: 2, property: verifiedHostileProperty },
  { name: "differential: a handler runs only when standardwebhooks accepts", weight: 1, property: differentialProperty },
  { name: "secrets: INVALID_SECRET or working, any spelling, no cross-tenant", weight: 1, property: secretsProperty },
];

/** Deterministic extremes kept out of the random runs because of their cost. */
export const deepBodies: HostileBody[] = [
  { label: "100k nested arrays (whole body)", bytes: utf8(deepArrays(100_000)) },
  { label: "100k nested objects (whole body)", bytes: utf8(deepObjects(100_000)) },
  { label: "1M nested arrays (whole body)", bytes: utf8(deepArrays(1_000_000)) },
  {
    label: "100k nested arrays inside data of a valid conversion.created",
    bytes: utf8(spliceAfter(JSON.stringify(sampleEvents["conversion.created"]), '"data":{', `"deep":${deepArrays(100_000)}`)),
  },
  {
    label: "100k nested objects beside data of a valid payout.failed",
    bytes: utf8(spliceAfter(JSON.stringify(sampleEvents["payout.failed"]), undefined, `"deep":${deepObjects(100_000)}`)),
  },
  {
    label: "100k nested arrays as data of an unknown type",
    bytes: utf8(JSON.stringify({ ...sampleEvents["conversion.created"], type: "referral.clicked", data: "__DATA__" }).replace('"__DATA__"', `{"x":${deepArrays(100_000)}}`)),
  },
  {
    label: "100k nested __proto__ objects",
    bytes: utf8(spliceAfter(JSON.stringify(sampleEvents["conversion.created"]), '"data":{', `"__proto__":${'{"__proto__":'.repeat(100_000)}{"polluted":1}${"}".repeat(100_000)}`)),
  },
];

/** Runs one signed body through a fresh receiver with the checks of property B. */
export async function checkSignedBody(body: HostileBody, maxBodyBytes = 8 * 1024 * 1024): Promise<Answer & { runs: number }> {
  const ts = String(nowSeconds());
  const id = "msg_deep";
  const wire: Wire = { method: "POST", headers: baseLines("svix", id, ts, signEntry(SECRET_KEY, id, ts, body.bytes)), body: body.bytes };
  const receiver = makeReceiver({ maxBodyBytes });
  const answer = await callHandler(receiver.handler, wire);
  checkAnswer(answer, { label: body.label });
  for (const run of receiver.runs) {
    checkRunIsAuthentic(run, wire);
    checkEventShape(run.event);
  }
  assertNoPollution();
  return { ...answer, runs: receiver.runs.length };
}
