// Database helpers for tests: a client for the current provider's per-worker database, and a
// fast reset that empties every table between tests.
import { afterAll, beforeEach } from "vitest";
import { createDb, type Db } from "@/server/db";

export type TestProvider = "sqlite" | "postgres";

export function testProvider(): TestProvider {
  const provider = process.env.STUDIO_TEST_DB;
  if (provider !== "sqlite" && provider !== "postgres") throw new Error("STUDIO_TEST_DB is not set: run tests with `npx vitest run`.");
  return provider;
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: test/setup.ts did not run.");
  return url;
}

const clients = new Map<string, Db>();

/** A Prisma client for this worker's database of the current provider (shared within the worker). */
export function testDb(): Db {
  const url = databaseUrl();
  let client = clients.get(url);
  if (!client) {
    client = createDb(url);
    clients.set(url, client);
  }
  return client;
}

const tableCache = new WeakMap<Db, string[]>();

async function tables(db: Db): Promise<string[]> {
  let names = tableCache.get(db);
  if (!names) {
    const rows =
      testProvider() === "postgres"
        ? await db.$queryRawUnsafe<{ name: string }[]>(
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'",
          )
        : await db.$queryRawUnsafe<{ name: string }[]>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
          );
    names = rows.map((r) => r.name);
    if (names.length === 0) throw new Error("The test database has no tables: did the migrations run?");
    tableCache.set(db, names);
  }
  return names;
}

/** Empties every application table (migrations history stays). */
export async function resetDb(db: Db): Promise<void> {
  const names = await tables(db);
  const quoted = names.map((n) => `"${n.replace(/"/g, '""')}"`);
  if (testProvider() === "postgres") {
    await db.$executeRawUnsafe(`TRUNCATE ${quoted.join(", ")} RESTART IDENTITY CASCADE`);
  } else {
    // Deferred foreign keys let the tables be emptied in any order within one transaction.
    await db.$transaction([db.$executeRawUnsafe("PRAGMA defer_foreign_keys = ON"), ...quoted.map((q) => db.$executeRawUnsafe(`DELETE FROM ${q}`))]);
  }
}

/**
 * For a test file that uses the database: its own client, emptied before each test and
 * disconnected after the file.
 */
export function setupTestDb(): Db {
  const db = createDb(databaseUrl());
  beforeEach(() => resetDb(db));
  afterAll(() => db.$disconnect());
  return db;
}
