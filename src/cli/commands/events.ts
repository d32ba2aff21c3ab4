import type { AnyProvider } from "../../provider/define-provider.js";
import { CliError } from "../cli-error.js";
import { defineCommand } from "../command.js";
import { table } from "../format.js";

// AgentRef's one-line descriptions, from its events reference.
const agentrefDescriptions: Record<string, string> = {
  "program.created": "a new affiliate program is created",
  "program.updated": "program settings change (name, commission, cookie duration, ...)",
  "affiliate.joined": "an affiliate joins a program (invite link or marketplace)",
  "affiliate.approved": "a pending affiliate is approved",
  "affiliate.blocked": "an affiliate is blocked (manually or by fraud detection)",
  "affiliate.unblocked": "a blocked affiliate is reinstated",
  "conversion.created": "a conversion is recorded (from Stripe or via the API)",
  "conversion.refunded": "a conversion is refunded",
  "payout.created": "a payout is created for an affiliate",
  "payout.processing": "a payout moves into manual processing",
  "payout.completed": "a payout is marked completed",
  "payout.failed": "a manual payout attempt fails",
  "flag.resolved": "a fraud flag is resolved (dismissed or confirmed)",
};

const categoryOf = (type: string): string => type.split(".")[0]!.replace(/^flag$/, "fraud");

// Other providers document no descriptions: name the typed data fields instead.
function describe(provider: AnyProvider, type: string): string {
  if (provider.name === "agentref" && agentrefDescriptions[type]) return agentrefDescriptions[type];
  const shape = (provider.events[type] as { shape?: { data?: { shape?: Record<string, unknown> } } }).shape;
  const fields = Object.keys(shape?.data?.shape ?? {});
  return fields.length > 0 ? `data: ${fields.join(", ")}` : "data not documented (an open object)";
}

const help = `Usage: agentref-webhooks events [--provider NAME] [--json]

Lists the event types of the provider's catalog, one per line: type, category, description.

Options:
  --provider NAME   agentref (default), agentsync, agiled, agentsend
  --json            print a JSON array of { type, category, description }
  -h, --help        this help`;

export const eventsCommand = defineCommand({
  name: "events",
  summary: "list the event types (type, category, description)",
  help,
  options: { json: { type: "boolean" } },
  async run({ values, positionals, provider }, io) {
    if (positionals.length > 0) throw new CliError(`events: unexpected argument ${JSON.stringify(positionals[0])}; events takes options only.`);
    const rows = provider.types.map((type) => ({ type, category: categoryOf(type), description: describe(provider, type) }));
    if (values.json) io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else io.stdout.write(`${table(rows.map((r) => [r.type, r.category, r.description])).join("\n")}\n`);
    return 0;
  },
});
