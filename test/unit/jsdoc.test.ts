// The standard for what users can import: every export of every public entry (the
// surface the built .d.ts files expose, read here from the entries' own sources with the
// TypeScript checker) has JSDoc with an @example, and so does every option and hook of
// createHandler. Internals need no @example.
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { entries } from "../../scripts/entries.mjs";

const root = join(import.meta.dirname, "..", "..");
const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile).config as { compilerOptions: unknown };
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
const program = ts.createProgram(
  entries.map((e: { source: string }) => join(root, e.source)),
  { ...options, noEmit: true },
);
const checker = program.getTypeChecker();

const hasExample = (symbol: ts.Symbol): boolean =>
  symbol.getJsDocTags(checker).some((tag) => tag.name === "example") ||
  (symbol.declarations ?? []).some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === "example"));

function publicExports(source: string): ts.Symbol[] {
  const file = program.getSourceFile(join(root, source))!;
  const moduleSymbol = checker.getSymbolAtLocation(file)!;
  return checker.getExportsOfModule(moduleSymbol).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
}

describe("documentation of the public surface", () => {
  for (const entry of entries as { subpath: string; source: string }[]) {
    it(`every export of "${entry.subpath}" has JSDoc with an @example`, () => {
      const missing = publicExports(entry.source)
        .filter((s) => s.name !== "default" && !hasExample(s))
        .map((s) => s.name);
      expect(missing).toEqual([]);
    });
  }

  it("every createHandler option and hook has JSDoc with an @example", () => {
    const base = publicExports("src/index.ts").find((s) => s.name === "HandlerOptionsBase")!;
    const type = checker.getDeclaredTypeOfSymbol(base);
    const missing = type.getProperties().filter((p) => !hasExample(p)).map((p) => p.name);
    expect(missing).toEqual([]);
  });
});
