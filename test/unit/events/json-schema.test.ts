import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildJsonSchemas } from "../../../scripts/json-schemas.js";

const dir = join(import.meta.dirname, "..", "..", "..", "schemas", "agentref");

describe("shipped JSON Schemas", () => {
  const expected = buildJsonSchemas();

  it("exist for the envelope and all 13 events, and no stale file is left", () => {
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(expected)).toHaveLength(14);
  });

  it.each(Object.keys(expected))("%s is current (run `npm run schemas` after changing a zod schema)", (name) => {
    expect(readFileSync(join(dir, name), "utf8")).toBe(expected[name]);
  });

  it("describe the documented fields", () => {
    const schema = JSON.parse(expected["payout.failed.json"]!);
    expect(schema.properties.type.const).toBe("payout.failed");
    expect(schema.properties.data.required).toEqual(expect.arrayContaining(["failureReason", "failedAt", "amount"]));
    expect(schema.required).not.toContain("programId");
  });
});
