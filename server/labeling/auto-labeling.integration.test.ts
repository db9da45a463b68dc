// Automated labeling on both databases with the real round code (kernels/sdk, studio.autolabel)
// in a real kernel on a real Kernel Gateway, reaching the domain functions over HTTP
// (test/studio-api.ts): a synthetic text dataset whose easy items a model separates; a labeler's
// answers through the queue; the first round once enough human labels are in, items a labeler
// holds left alone, machine labels accurate on the held-out truth, the least confident sent to
// people first, a retrain when the labels grew; a host that is down (the round waits, then runs)
// and a round that cannot train (the reason shows, people keep labeling).
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { kernelHarness } from "@/test/kernel-harness";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { reviewsCsv, syntheticReviews } from "@/test/synthetic-reviews";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { consolidateJob } from "@/server/labeling/consolidate";
import { manifestStream } from "@/server/labeling/export-manifest";
import { getAutoLabeling } from "@/server/labeling/get-auto-labeling";
import { getRoundSpec } from "@/server/labeling/auto-labeling-rounds";
import { roundStartsSettled, tickAutoLabeling } from "@/server/labeling/run-auto-labeling";
import { createScopedToken } from "@/server/tokens/scoped-tokens";
import { driverOf } from "@/server/db-driver";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import type { Principal } from "@/server/auth/principal";
import type { AutoLabelingView } from "@/lib/labeling/auto-labeling";

const db = setupTestDb();
const harness = kernelHarness(db, "autolabel-test-");
const { store } = harness;

const reviews = syntheticReviews(400);

async function setup(settings: { minHumanLabels: number; retrainGrowth?: number }) {
  const { principal: manager } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `A ${Math.random().toString(36).slice(2, 8)}`, description: "" }, manager);
  const { principal: labeler } = await makePrincipal(db, "labeler");
  const { principal: other } = await makePrincipal(db, "labeler");
  for (const p of [labeler, other]) await setProjectMember(db, project.id, { userId: p.id, role: "labeler" }, manager);
  const host = await harness.localHost();
  const { version } = await uploadDatasetVersion(db, store, project.id, { name: "reviews", filename: "reviews.csv" }, Readable.from([Buffer.from(reviewsCsv(reviews))]), manager);
  await processPendingDatasetVersions(db, store, 10);
  const job = await createLabelingJob(
    db,
    project.id,
    createLabelingJobInput.parse({
      name: "sentiment",
      taskType: "text-classification",
      datasetVersionId: version.id,
      textField: "review",
      labels: [{ name: "good" }, { name: "bad" }],
      workersPerItem: 1,
      workerIds: [labeler.id, other.id],
      autoLabeling: { enabled: true, ...settings },
    }),
    manager,
  );
  await prepareLabelingJobs(db, store);
  // People label a random sample first: the queue is not in dataset order…
  const queued = await db.labelingItem.findMany({ where: { jobId: job.id }, orderBy: [{ priority: "asc" }, { seq: "asc" }], take: 20, select: { seq: true } });
  expect(queued.map((q) => q.seq)).not.toEqual([...queued.map((q) => q.seq)].sort((a, b) => a - b));
  // …which the test fixes to a deterministic one (every third item first), so the model, its
  // threshold and what is left for people are the same on every run.
  await driverOf(db).run(`UPDATE "LabelingItem" SET "priority" = CASE WHEN "seq" % 3 = 0 THEN 0 ELSE 1 END WHERE "jobId" = ?`, [job.id]);
  return { manager, labeler, other, host, jobId: job.id };
}

/** The labeler answers `n` items the queue gives with their truth (or what `answer` makes of it); returns their seqs. */
async function label(jobId: string, labeler: Principal, n: number, answer: (truth: number) => number = (t) => t): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const { item } = await claimNext(db, jobId, labeler);
    if (!item) break;
    seqs.push(item.seq);
    await submitAnswer(db, jobId, item.assignmentId, { label: answer(reviews[item.seq].truth) }, labeler);
  }
  await consolidateJob(db, jobId); // at once (the worker's pass waits to batch a big job's stragglers)
  return seqs;
}

const tick = () => tickAutoLabeling(db, { studioUrlFor: () => harness.api.url });

/** Worker passes until the latest round has ended (or the deadline). */
async function runRound(jobId: string, manager: Principal, timeoutMs = 90_000): Promise<AutoLabelingView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tick();
    await roundStartsSettled();
    const view = await getAutoLabeling(db, jobId, manager);
    const last = view.rounds[0];
    if (last && (last.status === "completed" || last.status === "failed")) {
      await tick(); // shuts the round's kernel down
      return view;
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(view.state)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("automated labeling", () => {
  it("machine-labels the confident items after enough human labels, sends the least confident to people, retrains as labels grow", async () => {
    const { manager, labeler, other, jobId } = await setup({ minHumanLabels: 100, retrainGrowth: 0.05 });
    expect(await label(jobId, labeler, 99)).toEqual(Array.from({ length: 99 }, (_, i) => 3 * i));
    await tick();
    let view = await getAutoLabeling(db, jobId, manager);
    expect(view.rounds).toHaveLength(0);
    expect(view.state).toMatchObject({ kind: "waiting_for_labels", message: expect.stringContaining("Waiting for 1 more human label: round 1 trains at 100") });
    expect(view.counts).toEqual({ machineLabeled: 0, humanLabeled: 99, unlabeled: 301 });

    await label(jobId, labeler, 1);
    // The model learns from the consolidated labels: with one worker per item, each is that worker's answer.
    const human = await db.labelingItem.findMany({ where: { jobId, status: "consolidated" }, select: { seq: true, label: true } });
    expect(human.filter((h) => (JSON.parse(h.label!) as { label: number }).label !== reviews[h.seq].truth)).toEqual([]);
    // Another labeler holds an item while the round trains: it is never machine-labeled under them.
    const held = (await claimNext(db, jobId, other)).item!;
    view = await runRound(jobId, manager);
    const round = view.rounds[0];
    expect(round).toMatchObject({ number: 1, status: "completed", humanLabels: 100, trainSize: 80, validationSize: 20, hostName: expect.stringContaining("local-") });
    expect(round.validationAccuracy).toBeGreaterThan(0.5);
    expect(round.threshold).not.toBeNull();
    expect(round.thresholdAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(round.thresholdSupport).toBeGreaterThanOrEqual(10);
    expect(round.scored).toBe(300);
    expect(round.machineLabeled).toBeGreaterThan(150);
    expect(round.statusReason).toContain(`Machine-labeled ${round.machineLabeled} items`);
    // Counters, not scans, on the job; the items agree with them.
    expect(view.counts).toEqual({ machineLabeled: round.machineLabeled, humanLabeled: 100, unlabeled: 300 - round.machineLabeled });
    const machine = await db.labelingItem.findMany({ where: { jobId, humanAnnotated: false }, select: { id: true, seq: true, label: true, confidence: true } });
    expect(machine).toHaveLength(round.machineLabeled);
    expect(machine.some((m) => m.id === held.itemId)).toBe(false);
    expect((await db.labelingItem.findUniqueOrThrow({ where: { id: held.itemId } })).status).toBe("full");
    // The machine's labels against the held-out truth: at least the target accuracy; mostly easy items.
    const right = machine.filter((m) => (JSON.parse(m.label!) as { label: number }).label === reviews[m.seq].truth).length;
    expect(right / machine.length).toBeGreaterThanOrEqual(0.95);
    expect(machine.filter((m) => reviews[m.seq].easy).length / machine.length).toBeGreaterThan(0.9);
    for (const m of machine) expect(m.confidence).toBeGreaterThanOrEqual(round.threshold!);
    const job = await getLabelingJob(db, jobId, manager);
    expect(job.counts).toMatchObject({ consolidated: 100 + round.machineLabeled, labeled: 100 + round.machineLabeled });

    // People get the least confident item next.
    const next = (await claimNext(db, jobId, labeler)).item!;
    const open = await db.labelingItem.findMany({ where: { jobId, status: "open" }, select: { priority: true } });
    const nextPriority = (await db.labelingItem.findUniqueOrThrow({ where: { id: next.itemId } })).priority;
    expect(nextPriority).toBeLessThanOrEqual(Math.min(...open.map((o) => o.priority)));
    expect(nextPriority).toBeLessThan(round.threshold!);
    await submitAnswer(db, jobId, next.assignmentId, { label: reviews[next.seq].truth }, labeler);

    // The Ground Truth manifest says which labels the machine made, with the model's confidence.
    const { stream } = await manifestStream(db, jobId, manager);
    const lines = (await new Response(stream).text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, { "human-annotated": string; confidence: number }>);
    const byMachine = lines.filter((l) => l["sentiment-metadata"]["human-annotated"] === "no");
    expect(byMachine).toHaveLength(round.machineLabeled);
    expect(lines.filter((l) => l["sentiment-metadata"]["human-annotated"] === "yes")).toHaveLength(100);
    expect(Math.min(...byMachine.map((l) => l["sentiment-metadata"].confidence))).toBeGreaterThanOrEqual(Math.floor(round.threshold! * 100) / 100);

    // The round's token works only for its round, and only while it trains.
    const spec = await db.labelingRound.findFirstOrThrow({ where: { jobId, number: 1 } });
    const token = await createScopedToken(db, { kind: "labeling", userId: manager.id, projectId: job.projectId, jobId: spec.id, name: "t", ttlMs: 60_000 });
    const scoped = (await authenticateApiToken(db, token))!;
    expect(scoped.scope).toMatchObject({ kind: "labeling", jobId: spec.id });
    expect((await expectAppError(getRoundSpec(db, spec.id, scoped), "conflict")).message).toContain("Round 1 is completed");
    await expectAppError(getRoundSpec(db, spec.id, manager), "not_found");

    // Retrain once the human labels grew by 5% (100 → 105).
    await label(jobId, labeler, 3);
    await tick();
    view = await getAutoLabeling(db, jobId, manager);
    expect(view.rounds).toHaveLength(1);
    expect(view.state.message).toContain("Waiting for 1 more human label: round 2 trains at 105");
    await label(jobId, labeler, 1);
    view = await runRound(jobId, manager);
    expect(view.rounds[0]).toMatchObject({ number: 2, status: "completed", humanLabels: 105, trainSize: 84, validationSize: 21 });
    expect(view.counts.machineLabeled).toBe(view.rounds[0].machineLabeled + round.machineLabeled);
    expect(await db.labelingRound.count({ where: { jobId, kernelId: { not: null } } })).toBe(0);
  }, 240_000);

  it("waits for an unreachable host with the reason, and reports a round that cannot train while people keep labeling", async () => {
    const { manager, labeler, host, jobId } = await setup({ minHumanLabels: 20 });
    // Everyone says "good": a model cannot learn from one class.
    await label(jobId, labeler, 20, () => 0);
    await db.computeHost.update({ where: { id: host.id }, data: { status: "unreachable", statusReason: "Connection refused at 127.0.0.1:1." } });
    await tick();
    await roundStartsSettled();
    let view = await getAutoLabeling(db, jobId, manager);
    expect(view.rounds[0]).toMatchObject({ number: 1, status: "waiting" });
    expect(view.state).toMatchObject({ kind: "waiting_for_host", message: `Round 1: Waiting for host ${host.name}: Connection refused at 127.0.0.1:1.` });
    // The host comes back: the round starts on the next attempt, and fails with the reason.
    await db.computeHost.update({ where: { id: host.id }, data: { status: "healthy", statusReason: null } });
    await tickAutoLabeling(db, { now: new Date(Date.now() + 16_000), studioUrlFor: () => harness.api.url }); // past the 15 s between attempts
    view = await runRound(jobId, manager);
    expect(view.rounds[0]).toMatchObject({ number: 1, status: "failed", statusReason: expect.stringContaining("Training failed: the human labels so far have one class only (good)") });
    expect(view.state.message).toContain("Round 1 failed");
    expect(view.state.message).toContain("Waiting for 5 more human labels: round 2 trains at 25");
    expect(view.counts.machineLabeled).toBe(0);
    // People keep labeling.
    expect((await claimNext(db, jobId, labeler)).item).not.toBeNull();
  }, 120_000);
});
