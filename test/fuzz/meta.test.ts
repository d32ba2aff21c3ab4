// The fuzz properties have teeth: with a deliberately broken verifier or parser
// mocked in, they find a counterexample within the bounded run count. (Each test
// file has its own module registry, so the mocks stay in this file.)
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";

const sabotage = vi.hoisted(() => ({ earlyExit: false, naiveMerge: false }));

vi.mock("../../src/verify/constant-time.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/verify/constant-time.js")>();
  return {
    ...real,
    // The class of bug behind CVE-2024-21491: a comparison that stops early. The
    // expected text may come in parts (head, tail): compare it joined.
    equalConstantTime: (candidate: string, ...expected: string[]) =>
      sabotage.earlyExit
        ? candidate.slice(0, 12) === expected.join("").slice(0, 12)
        : (real.equalConstantTime as (...args: string[]) => boolean)(candidate, ...expected),
  };
});

vi.mock("../../src/provider/parse.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/provider/parse.js")>();
  // A naive recursive merge of the parsed body: the classic prototype-pollution sink.
  const merge = (target: Record<string, any>, source: Record<string, any>): Record<string, any> => {
    for (const key of Object.keys(source)) {
      const value = source[key];
      if (typeof value === "object" && value !== null && !Array.isArray(value)) merge((target[key] ??= {}), value);
      else target[key] = value;
    }
    return target;
  };
  return {
    ...real,
    parseWith: (...args: Parameters<typeof real.parseWith>) => {
      const input = args[1];
      if (sabotage.naiveMerge) {
        try {
          merge({}, (typeof input === "string" ? JSON.parse(input) : input) as Record<string, unknown>);
        } catch {
          // not JSON: the real parser reports it
        }
      }
      return real.parseWith(...args);
    },
  };
});

const { fuzzProperties } = await import("./properties.js");
const byName = (part: string) => fuzzProperties.find((p) => p.name.includes(part))!.property;

afterEach(() => {
  sabotage.earlyExit = false;
  sabotage.naiveMerge = false;
  for (const key of ["polluted", "isAdmin"]) delete (Object.prototype as Record<string, unknown>)[key];
});

describe("the fuzz properties catch planted bugs", () => {
  it("a signature comparison that stops after 12 characters is caught by the differential property", async () => {
    sabotage.earlyExit = true;
    const result = await fc.check(byName("differential"), { seed: 7, numRuns: 400 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/reference implementation rejects/);
  });

  it("a prototype-polluting merge of the body is caught by the hostile-body property", async () => {
    sabotage.naiveMerge = true;
    const result = await fc.check(byName("hostile bodies"), { seed: 7, numRuns: 400 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/prototype|Object\.prototype|inherits/);
  });

  it("without the planted bugs the same runs pass", async () => {
    expect((await fc.check(byName("differential"), { seed: 7, numRuns: 400 })).failed).toBe(false);
    expect((await fc.check(byName("hostile bodies"), { seed: 7, numRuns: 400 })).failed).toBe(false);
  });
});
