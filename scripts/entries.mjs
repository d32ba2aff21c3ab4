// The one list of public entry points. tsup builds from it, and
// test/unit/package-exports.test.ts checks package.json "exports" against it.
// `selfContained`: built as one file per format and per crypto implementation (no chunks shared
// with the other entries, #crypto inlined), for the cold import of a small entry; package.json
// "exports" picks the file with the runtime conditions that "imports" uses for #crypto.
/** @type {{ subpath: string, source: string, name: string, selfContained?: boolean }[]} */
export const entries = [
  { subpath: ".", source: "src/index.ts", name: "index" },
  { subpath: "./node", source: "src/adapters/node.ts", name: "node" },
  { subpath: "./aws-lambda", source: "src/adapters/aws-lambda.ts", name: "aws-lambda" },
  { subpath: "./testing", source: "src/testing/index.ts", name: "testing" },
  { subpath: "./verify", source: "src/verify-entry.ts", name: "verify", selfContained: true },
  { subpath: "./redis", source: "src/idempotency/redis.ts", name: "redis" },
  { subpath: "./postgres", source: "src/idempotency/postgres.ts", name: "postgres" },
  { subpath: "./sqlite", source: "src/idempotency/sqlite.ts", name: "sqlite" },
  { subpath: "./d1", source: "src/idempotency/d1.ts", name: "d1" },
  { subpath: "./bullmq", source: "src/queue/bullmq.ts", name: "bullmq" },
  { subpath: "./otel", source: "src/otel/otel.ts", name: "otel" },
  { subpath: "./agentsync", source: "src/providers/agentsync.ts", name: "agentsync" },
  { subpath: "./agiled", source: "src/providers/agiled.ts", name: "agiled" },
  { subpath: "./agentsend", source: "src/providers/agentsend.ts", name: "agentsend" },
];

// Internal, condition-selected implementations reached through package.json "imports".
// A self-contained entry has one build per implementation: `${name}.js` with `node`, `${name}-web.js` with `web`.
export const internal = [
  { specifier: "#crypto", node: "src/verify/crypto-node.ts", web: "src/verify/crypto-web.ts" },
];
