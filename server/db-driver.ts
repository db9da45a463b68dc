import "server-only";
import Database from "better-sqlite3";
import pg from "pg";
import { isPostgresUrl, type Db } from "@/server/db";

// The database drivers themselves, under Prisma, for the few paths where Prisma's per-query cost
// is the whole budget: metric ingest and metric reads. Through Prisma (JS engine, 6.19) a 24 KB
// bytes parameter costs ~7 ms and a 32 KB string ~40 ms to pass, so a 1,000-point batch (10 chunks)
// took ~50 ms and reading 100,000 points ~1 s; straight through better-sqlite3 / pg it is ~1 ms.
// SQL here is written once with `?` placeholders and quoted identifiers, valid on both databases.

export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array;

export interface DriverTx {
  /** Rows of a query. */
  all<T>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

export interface Driver extends DriverTx {
  readonly dialect: "sqlite" | "postgres";
  /** Runs `fn` in one transaction (serialised per process on SQLite, which has one writer anyway). */
  transaction<T>(fn: (tx: DriverTx) => Promise<T>): Promise<T>;
}

// On globalThis, like db()'s client: Next bundles route handlers apart from server/web/main.ts, and
// each bundle has its own copy of this module; the client one bundle made is used by the others.
const shared = globalThis as unknown as { studioDatabaseUrls?: WeakMap<object, string>; studioDrivers?: Map<string, Driver> };
const urls = (shared.studioDatabaseUrls ??= new WeakMap<object, string>());

/** Called by createDb: which database a Prisma client talks to, so the driver can open the same. */
export function rememberDatabaseUrl(db: object, url: string): void {
  urls.set(db, url);
}

/** The database URL a client made by createDb talks to (e.g. to open the same database on another thread). */
export function databaseUrlOf(db: object): string {
  const url = urls.get(db);
  if (!url) throw new Error("This Prisma client was not made by createDb(); its database is unknown.");
  return url;
}

const drivers = (shared.studioDrivers ??= new Map<string, Driver>());

/** The driver for the database `db` talks to (one per database and process). */
export function driverOf(db: Db): Driver {
  const url = databaseUrlOf(db);
  let driver = drivers.get(url);
  if (!driver) {
    driver = isPostgresUrl(url) ? postgresDriver(url) : sqliteDriver(url.replace(/^file:/, ""));
    drivers.set(url, driver);
  }
  return driver;
}

// Prisma's SQLite format for DateTime columns (ISO 8601 with an explicit offset); booleans as 0/1.
function sqliteValue(value: SqlValue): string | number | bigint | null | Buffer {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

function sqliteDriver(file: string): Driver {
  const database = new Database(file);
  database.pragma("journal_mode = WAL");
  database.pragma("busy_timeout = 5000");
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = database.prepare(sql);
      if (statements.size > 200) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
  const tx: DriverTx = {
    all: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).all(...params.map(sqliteValue)) as T[],
    run: async (sql: string, params: SqlValue[] = []) => prepare(sql).run(...params.map(sqliteValue)).changes,
  };
  // One connection: transactions must not interleave on it, so they queue.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    dialect: "sqlite",
    ...tx,
    transaction<T>(fn: (tx: DriverTx) => Promise<T>): Promise<T> {
      const result = queue.then(async () => {
        database.exec("BEGIN IMMEDIATE");
        try {
          const value = await fn(tx);
          database.exec("COMMIT");
          return value;
        } catch (error) {
          if (database.inTransaction) database.exec("ROLLBACK");
          throw error;
        }
      });
      queue = result.catch(() => undefined);
      return result;
    },
  };
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function postgresDriver(url: string): Driver {
  const pool = new pg.Pool({ connectionString: url, max: 4, allowExitOnIdle: true });
  // An idle connection the server ends (a restart, a dropped database) must not end this process.
  pool.on("error", (error) => console.error(`[db] an idle PostgreSQL connection failed: ${error.message}`));
  const on = (client: pg.Pool | pg.PoolClient): DriverTx => ({
    all: async <T>(sql: string, params: SqlValue[] = []) => (await client.query(numbered(sql), params)).rows as T[],
    run: async (sql: string, params: SqlValue[] = []) => (await client.query(numbered(sql), params)).rowCount ?? 0,
  });
  return {
    dialect: "postgres",
    ...on(pool),
    async transaction<T>(fn: (tx: DriverTx) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const value = await fn(on(client));
        await client.query("COMMIT");
        return value;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** A JSON column's value: parsed already (Prisma, pg), or JSON text (better-sqlite3 rows). */
export function jsonValue<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}
