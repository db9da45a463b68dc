// The labeling queue at scale, on SQLite and PostgreSQL: a job of 1,000,000 text items (written by
// the worker's own ItemWriter), then claim-next latency (claim + submit by 10 labelers in turn, p50
// and p95 of the claim, in priority order as automated labeling sets it) and the job page's read (getLabelingJob + the first page of items).
// Issue targets: claim-next p95 ≤ 50 ms, job page ≤ 500 ms.
//   npm run bench -- labeling-queue [items]
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createDb, type Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { ItemWriter } from "@/server/labeling/prepare-items";
import { benchDir, noter, root } from "./harness";
import { emit, percentile, time } from "./lib";

const bench = "labeling-queue";
const note = noter(bench);
const ITEMS = Number(process.argv[2] ?? 1_000_000);
const LABELERS = 10;
const CLAIMS = 1_000;
const PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres";


function migrate(url: string): void {
  const res = spawnSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`migrate deploy failed: ${res.stdout}${res.stderr}`);
}

async function seed(db: Db): Promise<{ jobId: string; workers: Principal[] }> {
  const stamp = Date.now().toString(36);
  const owner = await db.user.create({ data: { email: `owner-${stamp}@bench.test`, name: "Owner", role: "data_scientist", passwordHash: "x" } });
  const project = await db.project.create({ data: { name: `Bench ${stamp}`, slug: `bench-${stamp}`, createdById: owner.id } });
  const dataset = await db.dataset.create({ data: { projectId: project.id, name: "texts" } });
  const version = await db.datasetVersion.create({ data: { datasetId: dataset.id, version: 1, format: "csv", filename: "t.csv", sizeBytes: BigInt(0), sha256: "0", storageKey: "none", status: "ready" } });
  const workers: Principal[] = [];
  for (let i = 0; i < LABELERS; i++) {
    const u = await db.user.create({ data: { email: `l${i}-${stamp}@bench.test`, name: `Labeler ${i}`, role: "labeler", passwordHash: "x" } });
    workers.push({ id: u.id, email: u.email, name: u.name, role: "labeler", via: "session" } as Principal);
  }
  const job = await db.labelingJob.create({
    data: {
      projectId: project.id,
      name: "bench",
      taskType: "text-classification",
      datasetVersionId: version.id,
      textField: "text",
      labelAttributeName: "bench",
      labels: JSON.stringify([{ name: "a", description: "" }, { name: "b", description: "" }]),
      workersPerItem: 3,
      taskTimeLimitSeconds: 300,
      status: "in_progress",
      itemCount: ITEMS,
      workers: { create: workers.map((w) => ({ userId: w.id })) },
    },
  });
  // Written as an automated-labeling job writes them (random queue priorities), so claims go
  // through the (jobId, status, priority, seq) order that automated labeling's scores use.
  const writer = new ItemWriter(db, job.id, true);
  const began = Date.now();
  for (let i = 0; i < ITEMS; i++) {
    await writer.add({ sourceRef: null, text: `text number ${i}`, width: null, height: null, status: "open", unreadableReason: null });
    if (i % 200_000 === 0) note(`${i} items written (${Math.round((Date.now() - began) / 1000)} s)`);
  }
  await writer.flush();
  emit({ bench, metric: "items_written_per_second", value: Math.round(ITEMS / ((Date.now() - began) / 1000)), unit: "items/s", n: ITEMS });
  return { jobId: job.id, workers };
}

async function measure(provider: string, url: string): Promise<void> {
  migrate(url);
  const db = createDb(url);
  note(`${provider}: writing ${ITEMS} items…`);
  const { jobId, workers } = await seed(db);
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
