import { join } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

// What an editor shows: TypeScript's language service over a small user file that
// imports the package by name (tsconfig "paths" point it at the sources).
const root = join(import.meta.dirname, "..", "..", "..");
const file = join(root, "test", "unit", "events", "__user-code__.ts");
const source = `
import { createHandler, parseEvent, isEventType } from "agentref-webhooks";
import { createTestEvent } from "agentref-webhooks/testing";

createHandler({
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  on: { "conversion.created": (event) => event.data.comissionAmount },
});
const failed = createTestEvent("payout.failed");
const parsed = parseEvent("{}");
if (isEventType(parsed, "flag.resolved")) parsed.data.resolvedby;
`;

let service: ts.LanguageService;

beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("tsconfig.json could not be read");
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => config.options,
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => {
      const text = name === file ? source : ts.sys.readFile(name);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: (name) => name === file || ts.sys.fileExists(name),
    readFile: (name) => (name === file ? source : ts.sys.readFile(name)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  service = ts.createLanguageService(host, ts.createDocumentRegistry());
}, 120_000);

/** The hover text of `word` where it first occurs inside `snippet`. */
const hover = (snippet: string, word: string): string => {
  const at = source.indexOf(snippet) + snippet.indexOf(word);
  return ts.displayPartsToString(service.getQuickInfoAtPosition(file, at)?.displayParts);
};

describe("what an editor shows for AgentRef events", () => {
  it("errors on a misspelt field name the named data type and suggest the right field", () => {
    const messages = service
      .getSemanticDiagnostics(file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(messages).toEqual([
      "Property 'comissionAmount' does not exist on type 'ConversionCreatedData'. Did you mean 'commissionAmount'?",
      "Property 'resolvedby' does not exist on type 'FlagResolvedData'. Did you mean 'resolvedBy'?",
    ]);
  }, 120_000);

  it("hovers name ConversionCreatedEvent and the other named types, not their structure", () => {
    expect(hover("(event) =>", "event")).toBe("(parameter) event: ConversionCreatedEvent");
    expect(hover("event.data.comissionAmount", "data")).toBe("(property) data: ConversionCreatedData");
    expect(hover("const failed", "failed")).toBe("const failed: PayoutFailedEvent");
    expect(hover("parsed.data.resolvedby", "parsed")).toBe("const parsed: FlagResolvedEvent");
  }, 120_000);
});
