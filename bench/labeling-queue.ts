// The labeling queue at scale, on SQLite and PostgreSQL: a job of 1,000,000 text items (written by
// the worker's own ItemWriter), then claim-next latency (claim + submit by 10 labelers in turn, p50
// and p95 of the claim, in priority order as automated labeling sets it) and the job page's read (getLabelingJob + the first page of items).
// Issue targets: claim-next p95 ≤ 50 ms, job page ≤ 500 ms.
//   npm run bench -- labeling-queue [items]
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createDb } from "@/server/db";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { benchDir, migrate, noter, PG_ADMIN, seedLabelingJob } from "./harness";
import { emit, percentile, time } from "./lib";

const bench = "labeling-queue";
const note = noter(bench);
const ITEMS = Number(process.argv[2] ?? 1_000_000);
const LABELERS = 10;
const CLAIMS = 1_000;
async function measure(provider: string, url: string): Promise<void> {
  migrate(url);
  const db = createDb(url);
  note(`${provider}: writing ${ITEMS} items…`);
  const began = Date.now();
  const { jobId, workers } = await seedLabelingJob(db, { items: ITEMS, labelers: LABELERS, workersPerItem: 3, shuffle: true, onProgress: (n) => note(`${n} items written (${Math.round((Date.now() - began) / 1000)} s)`) });
  emit({ bench, metric: "items_written_per_second", value: Math.round(ITEMS / ((Date.now() - began) / 1000)), unit: "items/s", n: ITEMS });
  if (provider === "postgres") await db.$executeRawUnsafe(`ANALYZE "LabelingItem"`);
  note(`${provider}: ${CLAIMS} claims and submissions by ${LABELERS} labelers in turn…`);
  const claims: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const worker = workers[i % LABELERS];
    const t0 = performance.now();
    const state = await claimNext(db, jobId, worker);
    claims.push(performance.now() - t0);
    await submitAnswer(db, jobId, state.item!.assignmentId, { label: i % 2 }, worker);
  }
  for (const p of [50, 95]) emit({ bench, metric: `${provider}_claim_next_p${p}`, value: +percentile(claims, p).toFixed(2), unit: "ms", n: CLAIMS });
  const page = await time(async () => {
    await getLabelingJob(db, jobId, workers[0]);
    await listJobItems(db, jobId, workers[0], { limit: 50 });
  }, 20);
  emit({ bench, metric: `${provider}_job_page_p95`, value: +percentile(page, 95).toFixed(2), unit: "ms", n: page.length });
  await db.$disconnect();
}

const dir = path.join(benchDir, "labeling");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
await measure("sqlite", `file:${path.join(dir, "queue.db")}`);
const admin = new pg.Client({ connectionString: PG_ADMIN });
await admin.connect();
const database = `bench_labeling_${process.pid}`;
await admin.query(`CREATE DATABASE ${database}`);
try {
  const url = new URL(PG_ADMIN);
  url.pathname = `/${database}`;
  await measure("postgres", url.toString());
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
