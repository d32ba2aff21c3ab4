// Every TypeScript block of the README and docs/ compiles against the package's own types
// (blocks marked `<!-- snippet: file -->` or `<!-- file: file -->` are those files, compiled by
// `npm run typecheck` and checked equal to them by their own tests).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((n) => n.endsWith(".md")).map((n) => `docs/${n}`)];

interface Block {
  page: string;
  line: number;
  code: string;
}

const blocks: Block[] = pages.flatMap((page) => {
  const text = readFileSync(join(root, page), "utf8");
  // Blocks marked `<!-- snippet: file -->` or `<!-- file: file -->` are those files, compiled as such.
  return [...text.matchAll(/(<!-- (?:snippet|file): \S+ -->\n)?```ts\n([\s\S]*?)\n```/g)]
    .filter((m) => !m[1])
    .map((m) => ({ page, line: text.slice(0, m.index).split("\n").length + 1, code: m[2]! }));
});

describe("the docs' code blocks compile", () => {
  it("every block, each as its own module", () => {
    const dir = join(root, "test", "docs", ".blocks");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const files = blocks.map((block, i) => {
      const file = join(dir, `${block.page.replace(/[/.]/g, "_")}_${i}.ts`);
      // Relative imports name the setup snippets (`./redis-store` is docs/snippets/redis-store.ts).
      const code = block.code.replace(/from "\.\/([\w-]+)"/g, (_, name: string) => `from "../../../docs/snippets/${name}.js"`);
      // A block with no import or export is still its own module, so names do not collide.
      writeFileSync(file, /^\s*(import|export) /m.test(code) ? code : `${code}\nexport {};\n`);
      return { file, block };
    });
    const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile).config as { compilerOptions: unknown };
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
    const program = ts.createProgram([...files.map((f) => f.file), join(root, "test", "docs", "ambient.d.ts")], { ...options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false });
    const problems = ts.getPreEmitDiagnostics(program).flatMap((d) => {
      const source = files.find((f) => f.file === d.file?.fileName);
      if (!source) return [];
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return [`${source.block.page}:${source.block.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`];
    });
    rmSync(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
    expect(blocks.length).toBeGreaterThan(20);
  }, 120_000);
});
