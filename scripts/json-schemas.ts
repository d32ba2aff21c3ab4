import { z } from "zod";
import { eventSchemas, envelopeSchema } from "../src/events/index.js";

/**
 * The JSON Schema files shipped in `schemas/agentref/`, generated from the zod
 * schemas (the single source). `npm run schemas` writes them; a test checks they are current.
 */
export function buildJsonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  const render = (schema: z.ZodType, title: string) =>
    `${JSON.stringify({ title, ...z.toJSONSchema(schema, { target: "draft-2020-12" }) }, null, 2)}\n`;
  files["envelope.json"] = render(envelopeSchema, "AgentRef webhook envelope (schemaVersion 2)");
  for (const [type, schema] of Object.entries(eventSchemas)) {
    files[`${type}.json`] = render(schema, `AgentRef ${type} event`);
  }
  return files;
}
