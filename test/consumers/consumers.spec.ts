// The TypeScript consumer matrix: fixture/consumer.ts (a handler map, a typed switch on
// event.type, the Lambda, Node and testing entries) type-checked against the packed package under
// every module resolution users have, with skipLibCheck: false, in a project outside this
// repository that has only the package, zod and @types/node: no msw, no @types/aws-lambda, no DOM
// lib. esModuleInterop is on, as \`tsc --init\` sets it (zod's own CommonJS declarations need it).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, inject, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("fixture/consumer.ts", import.meta.url));
const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const work = mkdtempSync(join(tmpdir(), "agentref-consumers-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Profile {
  name: string;
  packageType: "module" | "commonjs";
  file: string;
  compilerOptions: Record<string, unknown>;
}

const profiles: Profile[] = [
  { name: "node10 (module commonjs)", packageType: "commonjs", file: "consumer.ts", compilerOptions: { module: "commonjs", moduleResolution: "node10" } },
  { name: "nodenext, ESM", packageType: "module", file: "consumer.ts", compilerOptions: { module: "nodenext", moduleResolution: "nodenext" } },
  { name: "nodenext, CJS", packageType: "commonjs", file: "consumer.ts", compilerOptions: { module: "nodenext", moduleResolution: "nodenext" } },
  { name: "bundler", packageType: "module", file: "consumer.ts", compilerOptions: { module: "esnext", moduleResolution: "bundler" } },
];

function project(profile: Profile): string {
  const dir = join(work, profile.name.replace(/\W+/g, "-"));
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  // A copy, not a link: the package must find zod from where it is installed.
  cpSync(inject("packedPackage"), join(dir, "node_modules", "agentref-webhooks"), { recursive: true });
  symlinkSync(join(repoRoot, "node_modules", "zod"), join(dir, "node_modules", "zod"), "dir");
  symlinkSync(join(repoRoot, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: profile.packageType }));
  copyFileSync(fixture, join(dir, profile.file));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", lib: ["ES2022"], types: ["node"], strict: true, esModuleInterop: true, skipLibCheck: false, noEmit: true, ...profile.compilerOptions },
      files: [profile.file],
    }),
  );
  return dir;
}

describe("TypeScript consumers of the packed package (skipLibCheck: false, no msw, no @types/aws-lambda)", () => {
  // Two at a time (the machine has two cores); each tsc is one process.
  it.concurrent.each(profiles.map((p) => [p.name, p] as const))("%s type-checks", async (_name, profile) => {
    const dir = project(profile);
    // One run: --listFiles prints the files it read after any errors.
    let output: string;
    try {
      output = (await promisify(execFile)(process.execPath, [tsc, "-p", dir, "--listFiles"], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output.split("\n").filter((line) => line.includes("error TS"))).toEqual([]);
    // The declarations came from the package (not from sources, not via a "paths" mapping).
    expect(output).toMatch(/\/node_modules\/agentref-webhooks\/dist\/aws-lambda\.d\.c?ts/);
    expect(output).toMatch(/\/node_modules\/agentref-webhooks\/dist\/testing\.d\.c?ts/);
    expect(output).not.toMatch(/\/msw\/|@types\/aws-lambda|\/src\//);
    expect(readFileSync(join(dir, "tsconfig.json"), "utf8")).toContain('"skipLibCheck":false');
    // skipLibCheck: false checks every declaration file, @types/node's and zod's included: seconds each.
  }, 180_000);
});
