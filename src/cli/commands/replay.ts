import { listParked, replayParked, type ReplayedDelivery } from "../../api/parked.js";
import { isWebhookError } from "../../errors/index.js";
import type { ParkedDelivery } from "../../idempotency/store.js";
import { CliError } from "../cli-error.js";
import type { Command } from "../command.js";
import { statusLabel, table } from "../format.js";
import { intOption, parseCommand, secretsFrom, urlOption } from "../options.js";
import { openStore, type OpenedStore } from "../store-url.js";

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

function parkedRows(parked: readonly ParkedDelivery[]): string[] {
  return table(parked.map((p) => [`  ${p.type}`, p.eventId, new Date(p.parkedAt).toISOString(), oneLine(p.reason)]));
}

function replayedRows(replayed: readonly ReplayedDelivery[]): string[] {
  return table(
    replayed.map((r) => [
      `  ${r.type}`,
      r.eventId,
      r.status === 0 ? "no answer" : statusLabel(r.status),
      r.outcome ?? "-",
      r.unparked ? "unparked" : "still parked",
    ]),
  );
}

/** `agentref-webhooks replay`: lists or replays parked deliveries. */
export const replayCommand: Command = {
  name: "replay",
  summary: "list or replay parked deliveries (parking) from a SQLite, Redis or PostgreSQL store",
  help,
  async run(args, io) {
    const { values, positionals, provider } = await parseCommand("replay", args, {
      store: { type: "string" },
      table: { type: "string" },
      prefix: { type: "string" },
      to: { type: "string" },
      secret: { type: "string" },
      list: { type: "boolean" },
      limit: { type: "string" },
      timeout: { type: "string" },
    });
    if (values.help) {
      io.stdout.write(`${help}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new CliError(`replay: unexpected argument ${JSON.stringify(positionals[0])}; replay takes options only.`);
    if (values.store === undefined) throw new CliError("replay: --store is required, e.g. --store sqlite:/var/lib/myapp/webhooks.db or --store redis://127.0.0.1:6379");
    const limit = values.limit === undefined ? undefined : intOption("--limit", values.limit, 1, 1_000_000, 1);
    const timeoutMs = intOption("--timeout", values.timeout, 1, 3_600_000, provider.timeoutMs);
    const list = values.list === true;
    const to = list ? undefined : urlOption("replay", "--to", values.to);
    const secret = list ? undefined : secretsFrom(values.secret === undefined ? undefined : [values.secret], provider, io)[0]!;

    let opened: OpenedStore;
    try {
      opened = await openStore(values.store, { table: values.table, prefix: values.prefix });
    } catch (err) {
      // The stores' own option checks (a table or prefix they refuse) are usage errors.
      if (err instanceof TypeError) throw new CliError(err.message.replace(/^create\w+Store: /, ""));
      throw err;
    }
    try {
      const mine = (p: ParkedDelivery) => p.provider === provider.name;
      const all = await listParked({ store: opened.store });
      const others = all.filter((p) => !mine(p));
      const otherNote = () => {
        if (others.length === 0) return;
        const names = [...new Set(others.map((p) => p.provider))].join(", ");
        io.stdout.write(`(${deliveries(others.length)} of other providers left alone: ${names}; name one with --provider)\n`);
      };

      if (list) {
        const parked = all.filter(mine).slice(0, limit ?? all.length);
        if (parked.length === 0) io.stdout.write(`no parked ${provider.name} deliveries in ${opened.label}\n`);
        else io.stdout.write(`${parkedRows(parked).join("\n")}\n${deliveries(parked.length)} parked in ${opened.label}\n`);
        otherNote();
        return 0;
      }

      const target = to!;
      const { replayed } = await replayParked({
        store: opened.store,
        secret: secret!,
        provider,
        ...(limit !== undefined ? { limit } : {}),
        to: target,
        timeoutMs,
      });
      if (replayed.length === 0) {
        io.stdout.write(`no parked ${provider.name} deliveries in ${opened.label}: nothing to replay\n`);
        otherNote();
        return 0;
      }
      const stayed = replayed.filter((r) => !r.unparked).length;
      io.stdout.write(`POST ${target}  ${deliveries(replayed.length)} from ${opened.label}\n`);
      io.stdout.write(`${replayedRows(replayed).join("\n")}\n`);
      io.stdout.write(`${deliveries(replayed.length)} replayed: ${replayed.length - stayed} unparked, ${stayed} still parked\n`);
      otherNote();
      if (stayed > 0) {
        io.stderr.write(`error: ${stayed} of ${deliveries(replayed.length)} stayed parked (the receiver did not accept ${stayed === 1 ? "it" : "them"}: see the status and outcome above).\n`);
        return 1;
      }
      return 0;
    } catch (err) {
      // The store's message speaks to a receiver ("the sender retries"): keep what failed and any hint.
      if (isWebhookError(err)) throw new CliError(`${opened.label}: ${err.message.replace(/ The delivery was not processed; the sender retries it once the store is reachable\.$/, "")}`, 1);
      if (err instanceof TypeError && /does not implement parking/.test(err.message)) throw new CliError(err.message, 1);
      throw err;
    } finally {
      await opened.close();
    }
  },
};
