// 50 simulated labelers on one job for 2 minutes on PostgreSQL, as 5 processes of 10 (five web
// servers, each with its own connection pool), through the studio's own queue functions: claim,
// sometimes a heartbeat, submit (or skip 5%); 5 of them walk away from an item now and then (no
// heartbeat for 70 s, so its lease runs out and others take it), then try to submit it late. Then
// the database is checked: no item twice to one labeler, none to more labelers than the job asks,
// every accepted submission counted exactly once, every counter equal to a count of its rows.
// Issue target: zero duplicate or over-assigned items, zero lost submissions; claim throughput.
//   npm run bench -- labeling-labelers [seconds=120] [labelers=50] [items=100000]
import { fork } from "node:child_process";
import pg from "pg";
import { createDb, type Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { claimNext, renewLease, skipItem, submitAnswer } from "@/server/labeling/queue";
import { AppError } from "@/server/errors";
import { migrate, noter, PG_ADMIN, seedLabelingJob } from "./harness";
import { emit, percentile } from "./lib";

const bench = "labeling-labelers";
const note = noter(bench);
const PROCESSES = 5;
const WORKERS_PER_ITEM = 3;
const WALK_AWAY_MS = 70_000;

interface Tally {
  claims: number[];
  submitted: number;
  skipped: number;
  heartbeats: number;
  refusedLate: number;
  walkedAway: number;
  empty: number;
  errors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One labeler until `until`: claim, maybe heartbeat, submit or skip; a flaky one walks away now and then. */
async function labeler(db: Db, jobId: string, worker: Principal, flaky: boolean, until: number, tally: Tally): Promise<void> {
  let walks = 0;
  while (Date.now() < until) {
    const t0 = performance.now();
    const state = await claimNext(db, jobId, worker);
    tally.claims.push(performance.now() - t0);
    const item = state.item;
    if (!item) {
      tally.empty++;
      await sleep(200);
      continue;
    }
    await sleep(Math.random() * 30); // looking at the item
    if (flaky && walks < 2 && Math.random() < 0.05 && Date.now() + WALK_AWAY_MS < until) {
      walks++;
      tally.walkedAway++;
      await sleep(WALK_AWAY_MS);
      try {
        await submitAnswer(db, jobId, item.assignmentId, { label: 0 }, worker);
        tally.errors.push(`a submission ${WALK_AWAY_MS} ms after the claim was accepted`);
      } catch (error) {
        if (error instanceof AppError && error.code === "conflict") tally.refusedLate++;
        else throw error;
      }
      continue;
    }
    if (Math.random() < 0.2) {
      await renewLease(db, jobId, item.assignmentId, worker);
      tally.heartbeats++;
    }
    if (Math.random() < 0.05) {
      await skipItem(db, jobId, item.assignmentId, worker);
      tally.skipped++;
    } else {
      await submitAnswer(db, jobId, item.assignmentId, { label: item.seq % 2 }, worker);
      tally.submitted++;
    }
  }
}

async function child(): Promise<void> {
  const { url, jobId, workers, flaky, until } = JSON.parse(process.argv[3]) as { url: string; jobId: string; workers: Principal[]; flaky: string[]; until: number };
  const db = createDb(url);
  const tally: Tally = { claims: [], submitted: 0, skipped: 0, heartbeats: 0, refusedLate: 0, walkedAway: 0, empty: 0, errors: [] };
  await Promise.all(workers.map((w) => labeler(db, jobId, w, flaky.includes(w.id), until, tally).catch((e: unknown) => void tally.errors.push(String(e)))));
  await db.$disconnect();
  process.send!(tally, () => process.exit(0));
}

async function check(url: string, jobId: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const one = async (sql: string) => Number((await client.query<{ n: string }>(sql, [jobId])).rows[0].n);
  try {
    return {
      duplicate_assignments: await one(`SELECT count(*) AS n FROM (SELECT 1 FROM "LabelingAssignment" WHERE "jobId" = $1 GROUP BY "itemId", "workerId" HAVING count(*) > 1) d`),
      over_assigned_items: await one(`SELECT count(*) AS n FROM (SELECT 1 FROM "LabelingAssignment" WHERE "jobId" = $1 AND "status" IN ('active', 'submitted') GROUP BY "itemId" HAVING count(*) > ${WORKERS_PER_ITEM}) o`),
      over_answered_items: await one(`SELECT count(*) AS n FROM "LabelingItem" WHERE "jobId" = $1 AND "submitted" > ${WORKERS_PER_ITEM}`),
      items_whose_counters_drift: await one(
        `SELECT count(*) AS n FROM "LabelingItem" i LEFT JOIN (SELECT "itemId", sum(CASE WHEN "status" IN ('active', 'submitted') THEN 1 ELSE 0 END) AS a, sum(CASE WHEN "status" = 'submitted' THEN 1 ELSE 0 END) AS s FROM "LabelingAssignment" WHERE "jobId" = $1 GROUP BY "itemId") x ON x."itemId" = i."id"
         WHERE i."jobId" = $1 AND (i."assigned" <> coalesce(x.a, 0) OR i."submitted" <> coalesce(x.s, 0) OR (i."status" = 'labeled') <> (i."submitted" >= ${WORKERS_PER_ITEM}) OR (i."status" = 'full') <> (i."assigned" >= ${WORKERS_PER_ITEM} AND i."submitted" < ${WORKERS_PER_ITEM}))`,
      ),
      submitted_rows: await one(`SELECT count(*) AS n FROM "LabelingAssignment" WHERE "jobId" = $1 AND "status" = 'submitted'`),
      job_response_count: await one(`SELECT "responseCount" AS n FROM "LabelingJob" WHERE "id" = $1`),
      job_labeled_count: await one(`SELECT "labeledCount" AS n FROM "LabelingJob" WHERE "id" = $1`),
      labeled_items: await one(`SELECT count(*) AS n FROM "LabelingItem" WHERE "jobId" = $1 AND "status" = 'labeled'`),
    };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 120);
  const labelers = Number(process.argv[3] ?? 50);
  const items = Number(process.argv[4] ?? 100_000);
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  const database = `bench_labelers_${process.pid}`;
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const url = new URL(PG_ADMIN);
    url.pathname = `/${database}`;
    migrate(url.toString());
    const db = createDb(url.toString());
    note(`writing ${items} items for ${labelers} labelers…`);
    const { jobId, workers } = await seedLabelingJob(db, { items, labelers, workersPerItem: WORKERS_PER_ITEM });
    await db.$executeRawUnsafe(`ANALYZE "LabelingItem"`);
    await db.$disconnect();
    const flaky = workers.slice(0, 5).map((w) => w.id);
    const until = Date.now() + seconds * 1000;
    note(`${labelers} labelers in ${PROCESSES} processes for ${seconds} s…`);
    const began = Date.now();
    const tallies = await Promise.all(
      Array.from({ length: PROCESSES }, (_, p) => {
        const mine = workers.filter((_, i) => i % PROCESSES === p);
        const proc = fork(import.meta.filename, ["--child", JSON.stringify({ url: url.toString(), jobId, workers: mine, flaky, until })], { execArgv: process.execArgv });
        return new Promise<Tally>((resolve, reject) => {
          proc.once("message", (m) => resolve(m as Tally));
          proc.once("exit", (code) => code !== 0 && reject(new Error(`labeler process ${p} exited with ${code}`)));
        });
      }),
    );
    const elapsed = (Date.now() - began) / 1000;
    const claims = tallies.flatMap((t) => t.claims);
    const sum = (k: "submitted" | "skipped" | "heartbeats" | "refusedLate" | "walkedAway" | "empty") => tallies.reduce((s, t) => s + t[k], 0);
    const errors = tallies.flatMap((t) => t.errors);
    if (errors.length) note(`errors: ${errors.slice(0, 5).join(" | ")}`);
    const found = await check(url.toString(), jobId);
    const accepted = sum("submitted");
    emit({ bench, metric: "claims_per_second", value: Math.round(claims.length / elapsed), unit: "claims/s", n: claims.length });
    for (const p of [50, 95, 99]) emit({ bench, metric: `claim_p${p}`, value: +percentile(claims, p).toFixed(2), unit: "ms", n: claims.length });
    emit({ bench, metric: "submissions_accepted", value: accepted, unit: "submissions", n: labelers });
    emit({ bench, metric: "submissions_lost", value: accepted - found.submitted_rows + Math.abs(found.job_response_count - found.submitted_rows), unit: "submissions", n: accepted });
    emit({ bench, metric: "duplicate_assignments", value: found.duplicate_assignments, unit: "item-labeler pairs", n: claims.length });
    emit({ bench, metric: "over_assigned_items", value: found.over_assigned_items + found.over_answered_items, unit: "items", n: items });
    emit({ bench, metric: "items_whose_counters_drift", value: found.items_whose_counters_drift + Math.abs(found.job_labeled_count - found.labeled_items), unit: "items", n: items });
    emit({ bench, metric: "late_submissions_refused", value: sum("refusedLate"), unit: "submissions", n: sum("walkedAway") });
    emit({ bench, metric: "skips", value: sum("skipped"), unit: "skips", n: claims.length });
    emit({ bench, metric: "heartbeats", value: sum("heartbeats"), unit: "renewals", n: claims.length });
    emit({ bench, metric: "errors", value: errors.length, unit: "errors", n: claims.length });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  process.exit(0);
}

if (process.argv[2] === "--child") await child();
else await main();
