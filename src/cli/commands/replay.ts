import { listParked, replayParked, type ReplayedDelivery } from "../../api/parked.js";
import { isWebhookError } from "../../errors/index.js";
import type { ParkedDelivery } from "../../idempotency/store.js";
import { CliError } from "../cli-error.js";
import { defineCommand } from "../command.js";
import { statusLabel, table } from "../format.js";
import { intOption, secretsFrom, urlOption } from "../options.js";
import { openStore } from "../store-url.js";

const help = `Usage: agentref-webhooks replay --store STORE --to URL --secret SECRET [options]
       agentref-webhooks replay --store STORE --list

Replays the deliveries parked in STORE (by createHandler({ parking: true }), or by a
worker's parking: { store }) once their handler is fixed: each body is signed afresh
with SECRET and POSTed to URL, your running receiver, which verifies, deduplicates and
handles it (or queues it again). A delivery answered 2xx (and not parked again) is
removed from the store; the others stay parked. The longest parked go first.

Options:
  --store STORE     where the receiver parks (required):
                      sqlite:PATH                  a SQLite file (node:sqlite or better-sqlite3)
                      redis://HOST:PORT[/DB]       Redis (ioredis or redis); rediss:// with TLS
                      postgres://USER@HOST/DB      PostgreSQL (pg)
  --table NAME      the store's table (SQLite, PostgreSQL; default agentref_webhook_idempotency)
  --prefix P        the Redis store's key prefix (default agentref-webhooks:idem:)
  --to URL          the receiver, e.g. http://127.0.0.1:3000/webhooks/agentref
                    (required unless --list)
  --secret SECRET   the receiver's signing secret (default: $AGENTREF_WEBHOOK_SECRET,
                    or $<PROVIDER>_WEBHOOK_SECRET)
  --list            print the parked deliveries (type, event id, parked at, reason);
                    replay nothing
  --limit N         at most N deliveries, the longest parked first
  --timeout MS      an answer not received by then leaves the delivery parked
                    (default 30000)
  --provider NAME   whose deliveries, signed with whose scheme: agentref (default),
                    agentsync, agiled, agentsend
  -h, --help        this help

Exit status: 0 when every replayed delivery left the store (or --list), 1 when one
stayed parked or the store failed, 2 on bad arguments.

Examples:
  agentref-webhooks replay --store sqlite:/var/lib/myapp/webhooks.db --list
  agentref-webhooks replay --store redis://127.0.0.1:6379 --to https://example.com/webhooks/agentref --limit 10`;

/** One line of text: whitespace collapsed, at most `max` characters. */
const oneLine = (text: string, max = 160): string => {
  const line = text.replaceAll(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const deliveries = (n: number) => (n === 1 ? "1 delivery" : `${n} deliveries`);

const parkedRows = (parked: readonly ParkedDelivery[]): string[] =>
  table(parked.map((p) => [`  ${p.type}`, p.eventId, new Date(p.parkedAt).toISOString(), oneLine(p.reason)]));

const replayedRows = (replayed: readonly ReplayedDelivery[]): string[] =>
  table(
    replayed.map((r) => [`  ${r.type}`, r.eventId, statusLabel(r.status), r.outcome ?? "-", r.unparked ? "unparked" : "still parked"]),
  );

export const replayCommand = defineCommand({
  name: "replay",
  summary: "list or replay parked deliveries (parking) from a SQLite, Redis or PostgreSQL store",
  help,
  options: {
    store: { type: "string" },
    table: { type: "string" },
    prefix: { type: "string" },
    to: { type: "string" },
    secret: { type: "string" },
    list: { type: "boolean" },
    limit: { type: "string" },
    timeout: { type: "string" },
  },
  async run({ values, positionals, provider }, io) {
    if (positionals.length > 0) throw new CliError(`replay: unexpected argument ${JSON.stringify(positionals[0])}; replay takes options only.`);
    if (values.store === undefined) throw new CliError("replay: --store is required, e.g. --store sqlite:/var/lib/myapp/webhooks.db or --store redis://127.0.0.1:6379");
    const limit = values.limit === undefined ? undefined : intOption("--limit", values.limit, 1, 1_000_000, 1);
    const timeoutMs = intOption("--timeout", values.timeout, 1, 3_600_000, provider.timeoutMs);
    const to = values.list ? undefined : urlOption("replay", "--to", values.to);
    const secret = values.list ? undefined : secretsFrom(values.secret === undefined ? undefined : [values.secret], provider, io)[0]!;

    const opened = await openStore(values.store, { table: values.table, prefix: values.prefix }).catch((err: unknown) => {
      // The stores' own option checks (a table or prefix they refuse) are usage errors.
      throw err instanceof TypeError ? new CliError(err.message.replace(/^create\w+Store: /, "")) : err;
    });
    try {
      const all = await listParked({ store: opened.store });
      let code = 0;
      if (to === undefined) {
        const parked = all.filter((p) => p.provider === provider.name).slice(0, limit);
        if (parked.length === 0) io.stdout.write(`no parked ${provider.name} deliveries in ${opened.label}\n`);
        else io.stdout.write(`${parkedRows(parked).join("\n")}\n${deliveries(parked.length)} parked in ${opened.label}\n`);
      } else {
        const options = { store: opened.store, secret: secret!, provider, to, timeoutMs };
        const { replayed } = await replayParked(limit === undefined ? options : { ...options, limit });
        const stayed = replayed.filter((r) => !r.unparked).length;
        if (replayed.length === 0) {
          io.stdout.write(`no parked ${provider.name} deliveries in ${opened.label}: nothing to replay\n`);
        } else {
          io.stdout.write(`POST ${to}  ${deliveries(replayed.length)} from ${opened.label}\n`);
          io.stdout.write(`${replayedRows(replayed).join("\n")}\n`);
          io.stdout.write(`${deliveries(replayed.length)} replayed: ${replayed.length - stayed} unparked, ${stayed} still parked\n`);
        }
        if (stayed > 0) {
          io.stderr.write(`error: ${stayed} of ${deliveries(replayed.length)} stayed parked (the receiver did not accept ${stayed === 1 ? "it" : "them"}: see the status and outcome above).\n`);
          code = 1;
        }
      }
      const others = all.filter((p) => p.provider !== provider.name);
      if (others.length > 0) {
        const names = [...new Set(others.map((p) => p.provider))].join(", ");
        io.stdout.write(`(${deliveries(others.length)} of other providers left alone: ${names}; name one with --provider)\n`);
      }
      return code;
    } catch (err) {
      // The store's message speaks to a receiver ("the sender retries"): keep what failed and any hint.
      if (isWebhookError(err)) throw new CliError(`${opened.label}: ${err.message.replace(/ The delivery was not processed; the sender retries it once the store is reachable\.$/, "")}`, 1);
      if (err instanceof TypeError && /does not implement parking/.test(err.message)) throw new CliError(err.message, 1);
      throw err;
    } finally {
      await opened.close();
    }
  },
});
