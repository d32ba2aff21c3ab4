import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { createSignedRequest, createTestEventFactory } from "agentref-webhooks/testing";
import { bundleWorker } from "./d1/bundle.js";

// The store setups docs/stores.md shows, run as written: examples/stores/sqlite-server.ts as
// a process (twice, on one file: a restart), examples/stores/d1-worker.ts inside workerd.
// The last test checks that every code block of docs/stores.md is one of these files.

const root = fileURLToPath(new URL("../../../", import.meta.url));
const secret = `whsec_${randomBytes(24).toString("base64")}`;
const dir = mkdtempSync(join(tmpdir(), "agentref-store-examples-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startSqliteExample(dbPath: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/stores/sqlite-server.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", WEBHOOK_DB: dbPath, AGENTREF_WEBHOOK_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)\n/.exec(out);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`example exited before listening (${code})`)));
  });
  return { url, output: () => out, stop: () => (child.kill("SIGTERM"), exited) };
}

describe("examples/stores/sqlite-server.ts", () => {
  it("handles a delivery, and after a restart on the same file answers its retry as a duplicate", async () => {
    const dbPath = join(dir, "example.db");
    const event = createTestEventFactory({ seed: 31 }).createTestEvent("conversion.created");
    const send = async (url: string) => {
      const response = await fetch(await createSignedRequest(event, { secret, url }));
      return { status: response.status, outcome: ((await response.json()) as { outcome?: string }).outcome };
    };

    const first = startSqliteExample(dbPath);
    expect(await send(await first.url)).toEqual({ status: 200, outcome: "handled" });
    expect(first.output()).toContain(`conversion ${event.id}: commission`);
    expect(await first.stop()).toBe(0);

    const second = startSqliteExample(dbPath);
    try {
      expect(await send(await second.url)).toEqual({ status: 200, outcome: "duplicate" });
      expect(second.output()).not.toContain(`conversion ${event.id}`);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe("examples/stores/d1-worker.ts in workerd", () => {
  it("runs each event's handler once across requests, with the store and handler made at module scope", async () => {
    const toml = readFileSync(`${root}examples/stores/wrangler.toml`, "utf8");
    expect(toml).toMatch(/^main = "d1-worker\.ts"$/m);
    expect(toml).toMatch(/^binding = "DB"$/m);
    const mf = new Miniflare({
      modules: true,
      script: await bundleWorker("examples/stores/d1-worker.ts"),
      compatibilityDate: /^compatibility_date = "([\d-]+)"$/m.exec(toml)![1]!,
      d1Databases: ["DB"],
      bindings: { AGENTREF_WEBHOOK_SECRET: secret },
    });
    try {
      const db = await mf.getD1Database("DB");
      await db.prepare("CREATE TABLE commissions (conversion_id TEXT, amount INTEGER, currency TEXT)").run();
      const factory = createTestEventFactory({ seed: 32 });
      const [a, b] = [factory.createTestEvent("conversion.created"), factory.createTestEvent("conversion.created")];
      const send = async (event: object) => {
        const request = await createSignedRequest(event, { secret, url: "http://worker/webhooks/agentref" });
        const response = await mf.dispatchFetch(request.url, {
          method: "POST",
          headers: Object.fromEntries(request.headers),
          body: await request.text(),
        });
        return { status: response.status, outcome: ((await response.json()) as { outcome?: string }).outcome };
      };
      expect(await send(a)).toEqual({ status: 200, outcome: "handled" });
      expect(await send(a)).toEqual({ status: 200, outcome: "duplicate" });
      // Concurrent copies of a new event: one runs, the others wait (409) or see it done.
      const copies = await Promise.all([send(b), send(b), send(b)]);
      expect(copies.filter((c) => c.outcome === "handled")).toHaveLength(1);
      expect(copies.every((c) => c.status === 200 || c.status === 409)).toBe(true);
      expect(await send(b)).toEqual({ status: 200, outcome: "duplicate" });
      const rows = (await db.prepare("SELECT conversion_id FROM commissions").all()).results as { conversion_id: string }[];
      expect(rows.map((r) => r.conversion_id).sort()).toEqual([a.data.id, b.data.id].sort());
    } finally {
      await mf.dispose();
    }
  }, 60_000);
});

describe("docs/stores.md", () => {
  it("shows each code block from the file named above it, verbatim", () => {
    const doc = readFileSync(`${root}docs/stores.md`, "utf8");
    const blocks = [...doc.matchAll(/<!-- file: (\S+) -->\n```\w+\n([\s\S]*?)```/g)];
    const fences = doc.match(/^```\w/gm) ?? [];
    expect(blocks.length).toBeGreaterThan(0);
    // No block without its file.
    expect(blocks).toHaveLength(fences.length);
    for (const [, file, code] of blocks) expect([file, code]).toEqual([file, readFileSync(`${root}${file}`, "utf8")]);
  });
});
