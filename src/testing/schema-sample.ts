import type { z } from "zod";

/** Where `sampleFromSchema` gave up: the path and the zod type it cannot invent a value for. */
export class SchemaSampleError extends Error {
  constructor(readonly path: readonly (string | number)[], readonly zodType: string) {
    super(`cannot invent a value for ${path.length > 0 ? path.join(".") : "(root)"} (a zod "${zodType}")`);
    this.name = "SchemaSampleError";
  }
}

type Def = {
  type: string;
  format?: string;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: readonly z.ZodType[];
  defaultValue?: unknown;
  in?: z.ZodType;
  items?: readonly z.ZodType[];
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

const EPOCH_ISO = "2026-01-01T00:00:00.000Z";

function stringFor(key: string | number | undefined, format: string | undefined): string {
  const name = typeof key === "string" ? key : "value";
  if (format === "datetime" || /At$/.test(name)) return EPOCH_ISO;
  if (format === "date" || /Date$/.test(name)) return EPOCH_ISO.slice(0, 10);
  if (format === "email" || /email/i.test(name)) return "test@example.com";
  if (format === "url" || /url$/i.test(name)) return "https://example.com/";
  if (format === "uuid" || format === "guid") return "00000000-0000-4000-8000-000000000000";
  return `test_${name}`;
}

// Zod types with one fixed sample value; the optional kinds give none, so an object leaves the field out.
const FIXED: Record<string, unknown> = { number: 0, int: 0, bigint: 0n, boolean: false, null: null, any: null, unknown: null };
const NONE = new Set(["undefined", "void", "optional"]);

/**
 * Invents a minimal value a zod schema accepts (required fields only, first enum members,
 * `test_<field>` strings, 0, empty arrays). Throws `SchemaSampleError` where it cannot.
 */
export function sampleFromSchema(schema: z.ZodType, path: (string | number)[] = []): unknown {
  const def = defOf(schema);
  if (NONE.has(def.type)) return undefined;
  if (Object.hasOwn(FIXED, def.type)) return FIXED[def.type];
  switch (def.type) {
    case "string":
      return stringFor(path[path.length - 1], def.format);
    case "literal":
      return def.values?.[0];
    case "enum":
      return Object.values(def.entries ?? {})[0];
    case "default":
      return typeof def.defaultValue === "function" ? (def.defaultValue as () => unknown)() : def.defaultValue;
    case "nullable":
    case "readonly":
    case "nonoptional":
    case "catch":
      return sampleFromSchema(def.innerType!, path);
    case "pipe":
      return sampleFromSchema(def.in!, path);
    case "array":
      return [];
    case "record":
      return {};
    case "map":
      return new Map();
    case "tuple":
      return (def.items ?? []).map((item, i) => sampleFromSchema(item, [...path, i]));
    case "union":
      if (!def.options?.[0]) throw new SchemaSampleError(path, def.type);
      return sampleFromSchema(def.options[0], path);
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [field, fieldSchema] of Object.entries(def.shape ?? {})) {
        const value = sampleFromSchema(fieldSchema, [...path, field]);
        if (value !== undefined) out[field] = value;
      }
      return out;
    }
    default:
      throw new SchemaSampleError(path, def.type);
  }
}
