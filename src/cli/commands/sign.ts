import { isWebhookError } from "../../errors/index.js";
import { signPayload } from "../../testing/sign-payload.js";
import { CliError } from "../cli-error.js";
import { defineCommand } from "../command.js";
import { readStdin, shellQuote } from "../io.js";
import { headerNamesOption, secretsFrom } from "../options.js";
import { nowSeconds } from "../../verify/timestamp.js";

const help = `Usage: agentref-webhooks sign --secret SECRET [--id ID] [--timestamp SECONDS] < body

Signs the body read from stdin, byte for byte, and prints the signature headers and a
ready-to-paste curl command that sends exactly those bytes. Unlike an openssl recipe it
decodes base64 and base64url secrets and binary keys correctly.

Options:
  --secret SECRET      the signing secret (whsec_...); repeat to sign with several
                       (default: $AGENTREF_WEBHOOK_SECRET, or $<PROVIDER>_WEBHOOK_SECRET)
  --id ID              the svix-id (default: the body's "id", else a random msg_ id)
  --timestamp SECONDS  Unix seconds (default: now)
  --url URL            the URL in the curl command (default http://127.0.0.1:3000/webhooks/<provider>)
  --headers NAMES      svix (AgentRef's) or webhook
  --provider NAME      agentref (default), agentsync, agiled, agentsend
  --json               print {"headers": {...}, "curl": "..."} instead
  -h, --help           this help

Note: \`echo\` adds a newline to the body, which is then signed too; use printf or a file.

Example:
  agentref-webhooks sign --secret whsec_... < event.json`;

export const signCommand = defineCommand({
  name: "sign",
  summary: "print signature headers and a curl command for a body on stdin",
  help,
  options: {
    secret: { type: "string", multiple: true },
    id: { type: "string" },
    timestamp: { type: "string" },
    url: { type: "string" },
    headers: { type: "string" },
    json: { type: "boolean" },
  },
  async run({ values, positionals, provider }, io) {
    if (positionals.length > 0) throw new CliError(`sign: unexpected argument ${JSON.stringify(positionals[0])}; the body is read from stdin (sign --secret … < body.json).`);
    const secret = secretsFrom(values.secret, provider, io);
    if (values.timestamp !== undefined && !/^(0|[1-9]\d{0,14})$/.test(values.timestamp)) {
      throw new CliError(`--timestamp must be Unix seconds (digits only), got ${JSON.stringify(values.timestamp)}.`);
    }
    const headerNames = headerNamesOption(values.headers);
    const body = (await readStdin(io, "The body to sign")).toString("utf8");
    if (body.length === 0) throw new CliError("sign: the body on stdin is empty.");
    const timestamp = values.timestamp === undefined ? nowSeconds() : Number(values.timestamp);
    const headers = await signPayload({ body, secret, id: values.id, timestamp, headers: headerNames, provider }).catch((err: unknown) => {
      throw isWebhookError(err) ? new CliError(`sign: ${err.message}`) : err;
    });
    const url = values.url ?? `http://127.0.0.1:3000/webhooks/${provider.name}`;
    const headerLines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
    const curl = [
      `curl -X POST ${shellQuote(url)}`,
      ...["content-type: application/json", ...headerLines].map((line) => `-H ${shellQuote(line)}`),
      `--data-binary ${shellQuote(body)}`,
    ].join(" \\\n  ");
    io.stdout.write(values.json ? `${JSON.stringify({ headers, curl }, null, 2)}\n` : `${headerLines.join("\n")}\n\n${curl}\n`);
    if (/\r?\n$/.test(body)) io.stderr.write("note: the body ends with a newline, which was signed too (echo adds one; use printf or a file if that is not intended).\n");
    io.stderr.write(`note: receivers accept it until ${new Date((timestamp + 300) * 1000).toISOString()} (the default 5-minute timestamp tolerance).\n`);
    return 0;
  },
});
