// Prisma CLI configuration (generate, migrate). Runs the JS schema engine through a driver
// adapter, because this project cannot download Prisma's native engines (see ENVIRONMENT.md).
// DATABASE_URL picks the provider: file: → SQLite schema and migrations, postgres:// → PostgreSQL.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const url = process.env.DATABASE_URL ?? `file:${path.resolve("data/studio.db")}`;
const postgres = /^postgres(ql)?:\/\//.test(url);

// prisma/orm#27403: the pg adapter cannot map the catalog type `name` (oid 19) that migrate's
// introspection queries return. Reporting those columns as text (oid 25) lets migrate work;
// application queries never see `name` columns, so the runtime client needs no shim.
function patchNameColumns(): void {
  type QueryFn = (...args: unknown[]) => unknown;
  const fix = (result: unknown): unknown => {
    const fields = (result as { fields?: { dataTypeID: number }[] } | null)?.fields;
    fields?.forEach((f) => {
      if (f.dataTypeID === 19) f.dataTypeID = 25;
    });
    return result;
  };
  for (const proto of [pg.Pool.prototype, pg.Client.prototype] as unknown as { query: QueryFn; __studioPatched?: boolean }[]) {
    if (proto.__studioPatched) continue;
    const original = proto.query;
    proto.query = function patched(this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args);
      return out instanceof Promise ? out.then(fix) : out;
    };
    proto.__studioPatched = true;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: postgres ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgres/migrations" : "prisma/migrations" },
  async adapter() {
    if (postgres) {
      patchNameColumns();
      // Without allowExitOnIdle the CLI waits out the pool's 10 s idle timeout after every command.
      return new PrismaPg({ connectionString: url, allowExitOnIdle: true });
    }
    return new PrismaBetterSQLite3({ url: url.replace(/^file:/, "") });
  },
});
