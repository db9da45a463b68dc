// Derives prisma/postgres/schema.prisma from prisma/schema.prisma (SQLite) so both providers
// share one data model. `--check` exits 1 when the committed PostgreSQL schema is stale.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = readFileSync(join(root, "prisma/schema.prisma"), "utf8");

export function toPostgres(schema) {
  const out = schema
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('output          = "../generated/prisma-sqlite"', 'output          = "../../generated/prisma-postgres"')
    .replace(/^\/\/ The studio's data model\.[\s\S]*?\n\n/m, "// GENERATED from prisma/schema.prisma by scripts/prisma-schemas.mjs: do not edit.\n\n");
  if (out === schema || !out.includes('"postgresql"') || !out.includes("prisma-postgres")) {
    throw new Error("prisma/schema.prisma no longer has the provider/output lines this script rewrites");
  }
  return out;
}

const target = join(root, "prisma/postgres/schema.prisma");
const wanted = toPostgres(source);
if (process.argv.includes("--check")) {
  let current = "";
  try { current = readFileSync(target, "utf8"); } catch { /* missing counts as stale */ }
  if (current !== wanted) {
    console.error("prisma/postgres/schema.prisma is stale: run node scripts/prisma-schemas.mjs");
    process.exit(1);
  }
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, wanted);
}
