// Runs once per vitest project (provider) in the main process: creates that provider's throwaway
// databases, applies the migrations with `prisma migrate deploy`, and removes everything at the
// end, also when tests fail. One database per worker (VITEST_POOL_ID) keeps concurrently running
// files apart; the workers' databases are copies of one migrated template.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { copyFile, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { hashPassword } from "@/server/auth/password";
import { TEST_PASSWORD } from "@/test/password";

export type TestProvider = "sqlite" | "postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** Per provider: one database URL per worker; index = VITEST_POOL_ID - 1. */
    studioTestDb: { provider: TestProvider; urls: string[] };
    /** hashPassword(TEST_PASSWORD), computed once per run: scrypt costs a few hundred ms. */
    studioTestPasswordHash: string;
  }
}

const repoRoot = path.resolve(import.meta.dirname, "..");
/** The server every PostgreSQL test database is created on (trust auth, see ENVIRONMENT.md). */
export const PG_ADMIN_URL = process.env.STUDIO_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const PG_PREFIX = "studio_test_";
const SQLITE_PREFIX = "studio-test-";

function pgUrl(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid embedded in a leftover database or directory name, if that process has gone. */
function orphanedPid(name: string, prefix: string): boolean {
  const pid = Number(name.slice(prefix.length).split(/[_-]/)[0]);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
}

/** Runs `prisma migrate deploy` for one database. */
function migrate(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, "node_modules/.bin/prisma"), ["migrate", "deploy"], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(deadline);
      if (code === 0) resolve();
      else reject(new Error(`prisma migrate deploy failed for ${url} (exit ${code}):\n${output}`));
    });
  });
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Cannot connect to PostgreSQL at ${PG_ADMIN_URL} (${(error as Error).message}). Start it with ` +
        "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set STUDIO_TEST_PG_URL.",
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropPgDatabases(names: string[]): Promise<void> {
  if (names.length === 0) return;
  await withAdmin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

interface Databases {
  urls: string[];
  teardown: () => Promise<void>;
  /** The same, synchronously, for an exit without teardown (Ctrl-C). */
  teardownSync: () => void;
}

async function setupPostgres(workers: number): Promise<Databases> {
  const base = `${PG_PREFIX}${process.pid}_${randomBytes(4).toString("hex")}`;
  const names = [base, ...Array.from({ length: workers }, (_, i) => `${base}_w${i + 1}`)];
  // Databases left behind by runs that were killed (their pid is gone) are removed first.
  const stale = await withAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${PG_PREFIX}%`]);
    return rows.map((r) => r.datname).filter((n) => orphanedPid(n, PG_PREFIX));
  });
  await dropPgDatabases(stale);
  const teardown = () => dropPgDatabases(names);
  try {
    await withAdmin((client) => client.query(`CREATE DATABASE "${base}"`));
    await migrate(pgUrl(base));
    await withAdmin(async (client) => {
      for (const name of names.slice(1)) await client.query(`CREATE DATABASE "${name}" TEMPLATE "${base}"`);
    });
  } catch (error) {
    await teardown();
    throw error;
  }
  const teardownSync = () => {
    const script = `const pg=require("pg");const c=new pg.Client({connectionString:process.argv[1]});c.connect().then(async()=>{for(const n of process.argv.slice(2))await c.query('DROP DATABASE IF EXISTS "'+n+'" WITH (FORCE)');await c.end()})`;
    spawnSync(process.execPath, ["-e", script, PG_ADMIN_URL, ...names], { cwd: repoRoot, timeout: 15_000, stdio: "ignore" });
  };
  return { urls: names.slice(1).map(pgUrl), teardown, teardownSync };
}

async function setupSqlite(workers: number): Promise<Databases> {
  const tmp = os.tmpdir();
  for (const entry of await readdir(tmp)) {
    if (entry.startsWith(SQLITE_PREFIX) && orphanedPid(entry, SQLITE_PREFIX)) await rm(path.join(tmp, entry), { recursive: true, force: true });
  }
  const dir = await mkdtemp(path.join(tmp, `${SQLITE_PREFIX}${process.pid}-`));
  const teardown = () => rm(dir, { recursive: true, force: true });
  try {
    const template = path.join(dir, "template.db");
    await migrate(`file:${template}`);
    const files = Array.from({ length: workers }, (_, i) => path.join(dir, `w${i + 1}.db`));
    for (const file of files) await copyFile(template, file);
    return { urls: files.map((f) => `file:${f}`), teardown, teardownSync: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    await teardown();
    throw error;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const provider = project.name as TestProvider;
  if (provider !== "sqlite" && provider !== "postgres") throw new Error(`unknown test project "${project.name}": expected sqlite or postgres`);
  const workers = Math.max(1, Number(project.vitest.config.maxWorkers) || 1);
  const { urls, teardown, teardownSync } = provider === "postgres" ? await setupPostgres(workers) : await setupSqlite(workers);
  // Ctrl-C ends vitest without running teardowns; this still removes the databases. (Runs killed
  // harder than that are cleaned up by the next run: see orphanedPid.)
  let done = false;
  const onExit = () => {
    if (!done) teardownSync();
  };
  process.once("exit", onExit);
  project.provide("studioTestDb", { provider, urls });
  project.provide("studioTestPasswordHash", await hashPassword(TEST_PASSWORD));
  return async () => {
    done = true;
    process.off("exit", onExit);
    await teardown();
  };
}
