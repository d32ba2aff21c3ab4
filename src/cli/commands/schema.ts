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
    const name = titleCase(provider.name);
    const events = values.strict ? provider.strictEvents : provider.events;
    const [schema, title] =
      type === "envelope"
        ? [provider.envelope.schema, `${name} webhook envelope${provider.name === "agentref" ? " (schemaVersion 2)" : ""}`]
        : [events[type] as z.ZodType, `${name} ${type} event${values.strict ? " (strict)" : ""}`];
    // Same rendering as the shipped schemas/ files, so the output can be diffed against them
    // ("unrepresentable" only matters for strict variants, e.g. an always-absent programId).
    io.stdout.write(`${JSON.stringify({ title, ...z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any" }) }, null, 2)}\n`);
    return 0;
  },
});
