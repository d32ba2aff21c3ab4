import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorKind, errorStatus, retryAfterSeconds } from "../../src/errors/index.js";
import { outcomeStatus } from "../../src/index.js";

const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## What the handler answers"));
const rows = section
  .split("\n")
  .filter((line) => /^\| .+ \| .+ \| \d{3} \|/.test(line))
  .map((line) => line.split("|").map((cell) => cell.trim()));

describe("the README's status table is the code's", () => {
  const documented = new Map<string, number>();
  for (const cells of rows) {
    const names = [...cells[2]!.matchAll(/`([A-Za-z_-]+)`/g)].map((m) => m[1]!);
    for (const name of names) documented.set(name, Number(cells[3]));
  }

  it("lists every error code with its status", () => {
    for (const [code, status] of Object.entries(errorStatus)) expect([code, documented.get(code)]).toEqual([code, status]);
  });

  it("lists every outcome with its status", () => {
    for (const [outcome, status] of Object.entries(outcomeStatus)) expect([outcome, documented.get(outcome)]).toEqual([outcome, status]);
  });

  it("names nothing the code does not know", () => {
    for (const name of documented.keys()) expect(name in errorStatus || name in outcomeStatus, name).toBe(true);
  });

  it("states the Retry-After values the code sends", () => {
    for (const [code, seconds] of Object.entries(retryAfterSeconds)) {
      const row = rows.find((cells) => cells[2]!.includes(`\`${code}\``));
      expect(row?.[1], code).toContain(`Retry-After: ${seconds}`);
    }
  });

  it("never answers 410 or a 3xx", () => {
    for (const status of [...Object.values(errorStatus), ...Object.values(outcomeStatus)] as number[]) {
      expect(status === 410 || (status >= 300 && status < 400)).toBe(false);
    }
  });

  it("the errors table gives each code the class the code has", () => {
    const classes = { WebhookVerificationError: "verification", WebhookConfigError: "config", WebhookBodyError: "body", WebhookPayloadError: "payload", WebhookError: "delivery" } as const;
    const table = readme.slice(readme.indexOf("### Errors"));
    const listed = new Map<string, string>();
    for (const line of table.split("\n").filter((l) => /^\| `Webhook/.test(l))) {
      const cells = line.split("|").map((c) => c.trim());
      const kind = classes[cells[1]!.replace(/`/g, "") as keyof typeof classes];
      for (const [, code] of cells[3]!.matchAll(/`([A-Z_]+)`/g)) listed.set(code!, kind);
    }
    expect(Object.fromEntries(listed)).toEqual(errorKind);
  });

  it("gives the newcomer's two commands first", () => {
    const start = readme.slice(0, readme.indexOf("## Install"));
    expect(start).toContain("npm ci && npm run demo");
    expect(start).toContain("npm ci && npm test");
  });
});
