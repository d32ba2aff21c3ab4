import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildJsonSchemas } from "./json-schemas.js";

const dir = join(import.meta.dirname, "..", "schemas", "agentref");
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) rmSync(join(dir, name));
const files = buildJsonSchemas();
for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
console.log(`wrote ${Object.keys(files).length} JSON Schema files to schemas/agentref/`);
