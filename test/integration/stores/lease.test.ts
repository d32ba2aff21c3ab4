// Lease renewal through createHandler on every store: a handler that runs 3x leaseMs keeps its
// claim (retries meanwhile get 409 IN_PROGRESS, it runs once), and a process killed mid-handler
// stops renewing, so the next retry runs the event after leaseMs, not before.
// (D1 runs the same renewal cases in the contract suite inside workerd: d1.test.ts.)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createHandler, createMemoryStore, type IdempotencyStore } from "agentref-webhooks";
import { createSignedRequest, createTestEvent } from "agentref-webhooks/testing";
import { databaseUrl, redisUrl } from "../../helpers/services.js";
import { openStore, type StoreKind } from "../fixtures/lease-store.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const secret = `whsec_${randomBytes(24).toString("base64")}`;
const dir = mkdtempSync(join(tmpdir(), "agentref-lease-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const suffix = randomBytes(4).toString("hex");

const kinds: { kind: StoreKind; location: string | undefined }[] = [
  { kind: "sqlite", location: join(dir, "lease.db") },
  { kind: "redis", location: redisUrl() },
  { kind: "postgres", location: databaseUrl() },
];

async function deliver(handler: (r: Request) => Promise<Response>, event: object): Promise<number> {
  return (await handler(await createSignedRequest(event, { secret }))).status;
}

async function slowHandlerRunsOnce(store: IdempotencyStore, leaseMs: number, id: string) {
  let runs = 0;
  const handler = createHandler({
    secret,
    store,
    logger: {},
    on: {
      "conversion.created": async () => {
        runs++;
        await sleep(3 * leaseMs);
      },
    },
  });
  const event = createTestEvent("conversion.created", { id });
  const first = deliver(handler, event);
  const retries: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(leaseMs / 2);
    retries.push(await deliver(handler, event));
  }
  expect(await first).toBe(200);
  expect(retries).toEqual([409, 409, 409, 409, 409]);
  expect(await deliver(handler, event)).toBe(200);
  expect(runs).toBe(1);
}

describe("a handler taking 3x leaseMs, retries every leaseMs/2: one run", () => {
  it("memory", () => slowHandlerRunsOnce(createMemoryStore({ leaseMs: 300, logger: {} }), 300, "msg_lease_memory"));
  for (const { kind, location } of kinds) {
    it.skipIf(location === undefined)(kind, async () => {
      const opened = await openStore(kind, location!, `lease_slow_${suffix}`, 600);
      try {
        await slowHandlerRunsOnce(opened.store, 600, `msg_lease_${kind}_${suffix}`);
      } finally {
        await opened.close();
      }
    });
  }
});

describe("a process SIGKILLed mid-handler: the next retry runs the event after leaseMs, not before", () => {
  for (const { kind, location } of kinds) {
    it.skipIf(location === undefined)(kind, async () => {
      const leaseMs = 1_500;
      const name = `lease_kill_${suffix}`;
      const child = spawn(process.execPath, ["--import", "tsx", "test/integration/fixtures/lease-receiver.ts"], {
        cwd: root,
        env: { ...process.env, STORE_KIND: kind, STORE_LOCATION: location, STORE_NAME: name, LEASE_MS: String(leaseMs), SECRET: secret },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      const seen = (pattern: RegExp) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`child did not print ${pattern}: ${out}`)), 20_000);
          const check = () => {
            const match = pattern.exec(out);
            if (match) {
              clearTimeout(timer);
              resolve(match);
            }
          };
          child.stdout!.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            check();
          });
          check();
        });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const opened = await openStore(kind, location!, name, leaseMs);
      try {
        const port = Number((await seen(/listening (\d+)\n/))[1]);
        const event = createTestEvent("conversion.created", { id: `msg_kill_${kind}_${suffix}` });
        const request = await createSignedRequest(event, { secret, url: `http://127.0.0.1:${port}/webhooks/agentref` });
        void fetch(request).catch(() => {});
        await seen(/started /);
        child.kill("SIGKILL");
        await exited;
        const killedAt = Date.now();

        let runs = 0;
        const survivor = createHandler({ secret, store: opened.store, logger: {}, on: { "conversion.created": () => void runs++ } });
        expect(await deliver(survivor, event)).toBe(409);
        let status = 409;
        while (status === 409 && Date.now() - killedAt < 10_000) {
          await sleep(100);
          status = await deliver(survivor, event);
        }
        expect(status).toBe(200);
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(leaseMs - 700);
        expect(runs).toBe(1);
      } finally {
        child.kill("SIGKILL");
        await opened.close();
      }
    }, 40_000);
  }
});
