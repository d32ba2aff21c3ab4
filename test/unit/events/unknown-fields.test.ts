import { describe, expect, it } from "vitest";
import { createHandler, createMemoryStore, eventSchemas, eventTypes } from "agentref-webhooks";
import { createSignedRequest, generateSecret, sampleEvents } from "agentref-webhooks/testing";

// The types list only the fields the catalog knows (a misspelt one does not compile:
// test/types/known-fields.test-d.ts); the lenient schemas still keep every other
// field a newer AgentRef sends, for code that reads it deliberately.
const future = <T extends object>(sample: T) => ({
  ...sample,
  futureEnvelopeField: "kept",
  data: { ...(sample as { data: object }).data, futureDataField: { nested: [1, 2] } },
});

describe("fields the types do not name are kept at run time", () => {
  it.each(eventTypes)("eventSchemas[%s].parse keeps them at both levels", (type) => {
    const event = eventSchemas[type].parse(future(sampleEvents[type])) as unknown as Record<string, Record<string, unknown>>;
    expect(event.futureEnvelopeField).toBe("kept");
    expect(event.data!.futureDataField).toEqual({ nested: [1, 2] });
  });

  it("a handler receives them", async () => {
    const secret = generateSecret();
    const seen: unknown[] = [];
    const handler = createHandler({
      secret,
      store: createMemoryStore(),
      on: {
        "conversion.created": (event) => {
          const data: Record<string, unknown> = { ...event.data };
          seen.push(data.futureDataField, event.data.commissionAmount);
        },
      },
    });
    const response = await handler(await createSignedRequest(future(sampleEvents["conversion.created"]), { secret }));
    expect(response.status).toBe(200);
    expect(seen).toEqual([{ nested: [1, 2] }, 2970]);
  });
});
