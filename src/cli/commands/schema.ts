import { z } from "zod";
import { defineCommand } from "../command.js";
import { eventTypeArg } from "../options.js";

const help = `Usage: agentref-webhooks schema <type> [--strict] [--provider NAME]

Prints the JSON Schema (draft 2020-12) of one event type, generated from its zod schema
(z.toJSONSchema): the same documents as the package's schemas/ directory.
"envelope" prints the schema every delivery shares.

Options:
  --strict          the strict variant (unknown fields and enum values rejected)
  --provider NAME   agentref (default), agentsync, agiled, agentsend
  -h, --help        this help

Example:
  agentref-webhooks schema conversion.created > conversion.created.schema.json`;

const titleCase = (name: string): string => (name === "agentref" ? "AgentRef" : name.charAt(0).toUpperCase() + name.slice(1));

export const schemaCommand = defineCommand({
  name: "schema",
  summary: "print the JSON Schema of an event type",
  help,
  options: { strict: { type: "boolean" } },
  async run({ values, positionals, provider }, io) {
    const type = eventTypeArg("schema", positionals, provider, ["envelope"]);
    let schema: z.ZodType;
    let title: string;
    if (type === "envelope") {
      schema = provider.envelope.schema;
      title = provider.name === "agentref" ? "AgentRef webhook envelope (schemaVersion 2)" : `${titleCase(provider.name)} webhook envelope`;
    } else {
      schema = (values.strict ? provider.strictEvents[type] : provider.events[type]) as z.ZodType;
      title = `${titleCase(provider.name)} ${type} event${values.strict ? " (strict)" : ""}`;
    }
    // Same rendering as the shipped schemas/ files, so the output can be diffed against them
    // ("unrepresentable" only matters for strict variants, e.g. an always-absent programId).
    io.stdout.write(`${JSON.stringify({ title, ...z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any" }) }, null, 2)}\n`);
    return 0;
  },
});
