import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createTestEventFactory, signPayload } from "agentref-webhooks/testing";

// Exactly-once across processes on one host: receiver processes (createHandler +
// toNodeHandler + createSqliteStore, see sqlite/receiver.ts) share one SQLite file.
// Runs of the handler are counted in a ledger file outside the processes.

const root = fileURLToPath(new URL("../../../", import.meta.url));
const receiver = fileURLToPath(new URL("./sqlite/receiver.ts", import.meta.url));
const secret = `whsec_${randomBytes(24).toString("base64")}`;
const dir = mkdtempSync(join(tmpdir(), "agentref-sqlite-procs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Receiver {
  url: string;
  process: ChildProcess;
  stop(): Promise<number | null>;
}

function startReceiver(dbPath: string, ledger: string): Promise<Receiver> {
  const child = spawn(process.execPath, ["--import", "tsx", receiver], {
    cwd: root,
    env: { ...process.env, DB_PATH: dbPath, LEDGER: ledger, SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)\n/.exec(out);
      if (match) {
        resolve({
          url: `http://127.0.0.1:${match[1]}/webhooks/agentref`,
          process: child,
          stop: () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`receiver exited before listening (${code})`)));
  });
}

async function deliver(url: string, body: string, id: string): Promise<{ status: number; outcome?: string }> {
  // Like AgentRef: every attempt carries a fresh timestamp and signature, the same id.
  const headers = await signPayload({ body, secret, id });
  const response = await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body });
  const answer = (await response.json().catch(() => ({}))) as { outcome?: string };
  return { status: response.status, ...(answer.outcome === undefined ? {} : { outcome: answer.outcome }) };
}

const ledgerRuns = (ledger: string): Map<string, number> => {
  const runs = new Map<string, number>();
  for (const line of readFileSync(ledger, "utf8").split("\n")) {
    if (line === "") continue;
    const id = line.slice(line.indexOf(" ") + 1);
    runs.set(id, (runs.get(id) ?? 0) + 1);
  }
  return runs;
};

describe("createSqliteStore shared by receiver processes", () => {
  it("handles each of 500 events exactly once across two processes, under 30 % concurrent duplicates", async () => {
    const dbPath = join(dir, "shared.db");
    const ledger = join(dir, "ledger-shared.txt");
    writeFileSync(ledger, "");
    const receivers = await Promise.all([startReceiver(dbPath, ledger), startReceiver(dbPath, ledger)]);
    try {
      const factory = createTestEventFactory({ seed: 16, idPrefix: `msg_procs_${Date.now()}_` });
      const events = Array.from({ length: 500 }, () => {
        const event = factory.createTestEvent("conversion.created");
        return { id: event.id, body: JSON.stringify(event) };
      });
      const deliveries = [
        ...events.map((e, i) => ({ ...e, to: i % 2 })),
        // 30 % delivered a second time, to the other process, at the same time as the first.
        ...events.slice(0, 150).map((e, i) => ({ ...e, to: (i + 1) % 2 })),
      ].sort(() => Math.random() - 0.5);

      const statuses: number[] = [];
      const queue = [...deliveries];
      await Promise.all(
        Array.from({ length: 40 }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            for (let attempt = 0; ; attempt++) {
              const { status } = await deliver(receivers[next.to]!.url, next.body, next.id);
              statuses.push(status);
              if (status === 200) break;
              if (attempt > 50) throw new Error(`event ${next.id} never accepted (last ${status})`);
              await new Promise((resolve) => setTimeout(resolve, 5 + attempt * 5));
            }
          }
        }),
      );

      const runs = ledgerRuns(ledger);
      expect(runs.size).toBe(500);
      expect([...runs.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      // Both processes did part of the work.
      const pids = new Set(readFileSync(ledger, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")[0]));
      expect(pids.size).toBe(2);
      // Every delivery ended in a 200; the only other answer on the way is 409 IN_PROGRESS.
      expect(statuses.filter((s) => s === 200)).toHaveLength(deliveries.length);
      expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    } finally {
      await Promise.all(receivers.map((r) => r.stop()));
    }
  }, 120_000);

  it("remembers a completed event across a restart: a new process answers duplicate", async () => {
    const dbPath = join(dir, "restart.db");
    const ledger = join(dir, "ledger-restart.txt");
    writeFileSync(ledger, "");
    const event = createTestEventFactory({ seed: 17 }).createTestEvent("conversion.created");
    const body = JSON.stringify(event);

    const first = await startReceiver(dbPath, ledger);
    expect(await deliver(first.url, body, event.id)).toEqual({ status: 200, outcome: "handled" });
    expect(await first.stop()).toBe(0);

    const second = await startReceiver(dbPath, ledger);
    try {
      expect(await deliver(second.url, body, event.id)).toEqual({ status: 200, outcome: "duplicate" });
      expect(ledgerRuns(ledger).get(event.id)).toBe(1);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
