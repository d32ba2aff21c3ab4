import { describe, expect, it } from "vitest";
import {
  eventSchemas,
  eventTypes,
  isEventType,
  isUnknownEvent,
  parseEvent,
  strictEventSchemas,
  UnknownEvent,
  WebhookError,
} from "../../../src/index.js";
import { sampleEvents, sampleVariants } from "../../../src/events/samples.js";

const samples = Object.entries(sampleEvents);

function expectWebhookError(fn: () => unknown, code: string): WebhookError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookError);
    expect((err as WebhookError).code).toBe(code);
    return err as WebhookError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe("the event catalog", () => {
  it("has exactly the 13 documented types, one schema each", () => {
    expect(eventTypes).toHaveLength(13);
    expect(Object.keys(sampleEvents).sort()).toEqual([...eventTypes].sort());
  });

  it.each(samples)("parses the documented %s example to its type", (type, sample) => {
    const event = parseEvent(JSON.stringify(sample));
    expect(isUnknownEvent(event)).toBe(false);
    expect(event.type).toBe(type);
    expect(event).toEqual(sample);
    // and strictly, since the documented examples are the contract
    expect(parseEvent(sample, { strict: true })).toEqual(sample);
  });

  it.each(samples)("keeps unknown fields of %s at every level", (_type, sample) => {
    const extended = { ...sample, futureEnvelopeField: { a: 1 }, data: { ...sample.data, futureDataField: [1, 2] } };
    const event = parseEvent(JSON.stringify(extended)) as Record<string, unknown>;
    expect(event.futureEnvelopeField).toEqual({ a: 1 });
    expect((event.data as Record<string, unknown>).futureDataField).toEqual([1, 2]);
    expectWebhookError(() => parseEvent(extended, { strict: true }), "INVALID_PAYLOAD");
  });

  it("accepts both program variants the public docs show", () => {
    const recurring = parseEvent(sampleVariants.recurringProgram);
    expect(isEventType(recurring, "program.created") && recurring.data.commissionPercent).toBe(20);
    const percentage = parseEvent(sampleEvents["program.created"]);
    expect(isEventType(percentage, "program.created") && percentage.data.commissionValue).toBe(30);
  });

  it("accepts the testing page's conversion sample without programId, externalId or data.createdAt", () => {
    const event = parseEvent(JSON.stringify(sampleVariants.testingPageConversion));
    expect(event.type).toBe("conversion.created");
    expect("programId" in event).toBe(false);
  });

  it("accepts an enum value AgentRef may add later, and strict mode rejects it", () => {
    const sample = { ...sampleEvents["payout.created"], data: { ...sampleEvents["payout.created"].data, status: "on_hold" } };
    expect(parseEvent(sample).data).toMatchObject({ status: "on_hold" });
    const err = expectWebhookError(() => parseEvent(sample, { strict: true }), "INVALID_PAYLOAD");
    expect(err.issues[0]?.path).toEqual(["data", "status"]);
  });

  it("rejects programId on a payout in strict mode only", () => {
    const sample = { ...sampleEvents["payout.completed"], programId: "prg_1" };
    expect(parseEvent(sample).type).toBe("payout.completed");
    expectWebhookError(() => parseEvent(sample, { strict: true }), "INVALID_PAYLOAD");
  });

  it("strict schemas reject a non-integer amount and a non-ISO date", () => {
    const base = sampleEvents["conversion.refunded"];
    expect(strictEventSchemas["conversion.refunded"].safeParse({ ...base, data: { ...base.data, amount: 99.5 } }).success).toBe(false);
    expect(strictEventSchemas["conversion.refunded"].safeParse({ ...base, createdAt: "yesterday" }).success).toBe(false);
    expect(eventSchemas["conversion.refunded"].safeParse({ ...base, createdAt: "yesterday" }).success).toBe(true);
  });
});

// Every required field, removed, and every field, wrongly typed, must fail naming its path.
function requiredPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([key, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? [[...prefix, key], ...requiredPaths(v as Record<string, unknown>, [...prefix, key])]
      : [[...prefix, key]],
  );
}
const optionalPaths = new Set([
  "programId",
  "data.commissionValue",
  "data.commissionPercent",
  "data.externalId",
  "data.createdAt@conversion.created",
  "data.name@affiliate.blocked",
  "data.name@affiliate.unblocked",
]);
const isOptional = (type: string, path: string[]) =>
  optionalPaths.has(path.join(".")) || optionalPaths.has(`${path.join(".")}@${type}`);

function without(value: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = structuredClone(value);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[path.at(-1)!];
  return copy;
}
function replaced(value: Record<string, unknown>, path: string[], next: unknown): Record<string, unknown> {
  const copy = structuredClone(value);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = next;
  return copy;
}

describe("validation errors name the path", () => {
  const cases = samples.flatMap(([type, sample]) =>
    requiredPaths(sample as Record<string, unknown>).map((path) => ({ type, sample: sample as Record<string, unknown>, path })),
  );

  it.each(cases.filter((c) => !isOptional(c.type, c.path)).map((c) => [c.type, c.path.join("."), c] as const))(
    "%s without %s is INVALID_PAYLOAD at that path",
    (_type, _path, { sample, path }) => {
      const err = expectWebhookError(() => parseEvent(JSON.stringify(without(sample, path))), "INVALID_PAYLOAD");
      expect(err.issues.map((i) => i.path.join("."))).toContain(path.join("."));
      expect(err.message).toContain(path.join("."));
    },
  );

  it.each(cases.filter((c) => c.path[0] !== "type" && c.path[0] !== "schemaVersion").map((c) => [c.type, c.path.join("."), c] as const))(
    "%s with a wrongly typed %s is INVALID_PAYLOAD at that path",
    (_type, _path, { sample, path }) => {
      // a value of a type no field accepts: an object where a scalar/array is expected, a number where an object is
      const current = path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], sample);
      const wrong = typeof current === "object" && current !== null && !Array.isArray(current) ? 42 : { wrong: true };
      const err = expectWebhookError(() => parseEvent(replaced(sample, path, wrong)), "INVALID_PAYLOAD");
      expect(err.issues.map((i) => i.path.join("."))).toContain(path.join("."));
    },
  );
});

describe("parseEvent errors and unknown events", () => {
  it("returns an UnknownEvent for a type not in the catalog", () => {
    const body = { ...sampleEvents["program.created"], type: "program.archived", data: { id: "prg_1", anything: true } };
    const event = parseEvent(JSON.stringify(body));
    expect(event).toBeInstanceOf(UnknownEvent);
    expect(isUnknownEvent(event)).toBe(true);
    expect(event).toMatchObject({ type: "program.archived", id: "msg_001", data: { id: "prg_1", anything: true } });
  });

  it("does not treat Object.prototype names as event types", () => {
    for (const type of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const event = parseEvent({ ...sampleEvents["program.created"], type });
      expect(event).toBeInstanceOf(UnknownEvent);
    }
  });

  it("still validates the envelope of an unknown event", () => {
    const { merchantId: _m, ...rest } = sampleEvents["program.created"];
    const err = expectWebhookError(() => parseEvent({ ...rest, type: "x.y" }), "INVALID_PAYLOAD");
    expect(err.issues[0]?.path).toEqual(["merchantId"]);
  });

  it.each(["", "{", "not json", '{"a":1,}', "\u0000"])("rejects %j as INVALID_JSON", (body) => {
    expectWebhookError(() => parseEvent(body), "INVALID_JSON");
  });

  it.each(["[]", "null", "42", '"str"'])("rejects the JSON value %s as INVALID_PAYLOAD", (body) => {
    expectWebhookError(() => parseEvent(body), "INVALID_PAYLOAD");
  });

  it.each([1, 3, "2", null])("rejects schemaVersion %j as UNSUPPORTED_SCHEMA_VERSION", (schemaVersion) => {
    const err = expectWebhookError(
      () => parseEvent({ ...sampleEvents["payout.failed"], schemaVersion }),
      "UNSUPPORTED_SCHEMA_VERSION",
    );
    expect(err.status).toBe(422);
  });

  it("a missing schemaVersion is a schema failure naming it", () => {
    const { schemaVersion: _s, ...rest } = sampleEvents["payout.failed"];
    const err = expectWebhookError(() => parseEvent(rest), "INVALID_PAYLOAD");
    expect(err.issues[0]?.path).toEqual(["schemaVersion"]);
  });

  it("never pollutes a prototype through __proto__ or constructor keys", () => {
    const body = JSON.stringify(sampleEvents["conversion.created"]).replace(
      '"data":{',
      '"data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
    ).replace('{"id"', '{"__proto__":{"polluted":true},"id"');
    const event = parseEvent(body) as unknown as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
    expect((event as { polluted?: unknown }).polluted).toBeUndefined();
    expect((event.data as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("error JSON carries the code and issues for machines", () => {
    const err = expectWebhookError(
      () => parseEvent({ ...sampleEvents["payout.failed"], data: { ...sampleEvents["payout.failed"].data, amount: "150" } }),
      "INVALID_PAYLOAD",
    );
    expect(err.toJSON()).toMatchObject({ code: "INVALID_PAYLOAD", issues: [{ path: ["data", "amount"] }] });
  });
});
