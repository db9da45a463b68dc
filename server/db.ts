import "server-only";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/generated/prisma-sqlite/client";
import { PrismaClient as PostgresClient } from "@/generated/prisma-postgres/client";
import { env } from "@/server/env";
import { rememberDatabaseUrl } from "@/server/db-driver";

// Both generated clients come from one data model (scripts/prisma-schemas.mjs), so their
// query API is the same; the SQLite client's type stands for both.
export type Db = SqliteClient;
export type { Prisma } from "@/generated/prisma-sqlite/client";

export function isPostgresUrl(url: string): boolean {
  return url.startsWith("postgres://") || url.startsWith("postgresql://");
}

/** Opens a client for a database URL: SQLite for file: URLs, PostgreSQL for postgres:// URLs. */
export function createDb(url: string): Db {
  const client = isPostgresUrl(url)
    ? (new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db)
    : // WAL lets the web and worker processes read while the other writes; busy_timeout waits for a
      // writer instead of failing with SQLITE_BUSY.
      new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: url.replace(/^file:/, "") }) });
  rememberDatabaseUrl(client, url);
  return client;
}

const globalForDb = globalThis as unknown as { studioDb?: Db };

/** The process-wide client for DATABASE_URL. */
export function db(): Db {
  globalForDb.studioDb ??= createDb(env().DATABASE_URL);
  return globalForDb.studioDb;
}
