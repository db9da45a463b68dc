// The labeling queue on both databases: a real dataset upload read into items by the worker's
// step, labelers claiming in parallel (never the same item twice to one labeler, never more
// labelers than the job asks), leases that expire on their own, skips, late submissions refused
// without a double count, images decoded once (a corrupt one marked unreadable).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { labelingProject, uploadDataset, zipOf } from "@/test/labeling";
import { setProjectMember } from "@/server/projects/set-project-member";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, expireAllLeases, LEASE_MS, renewLease, skipItem, submitAnswer } from "@/server/labeling/queue";
import { itemImage } from "@/server/labeling/item-image";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { manifestStream } from "@/server/labeling/export-manifest";
import { jobQuality } from "@/server/labeling/quality";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

const setup = (labelers: number) => labelingProject(db, labelers);
const upload = (manager: Principal, projectId: string, filename: string, body: Buffer) => uploadDataset(db, store, manager, projectId, filename, body);

/** The true label of item `seq` in the parallel test (both classes in every stretch of the queue). */
const truthOf = (seq: number) => Math.floor(seq / 2) % 2;

const reviews = (n: number) => Buffer.from(`id,review\n${Array.from({ length: n }, (_, i) => `${i},"review number ${i}, <b>bold</b>"`).join("\n")}\n`);

describe("the labeling queue", () => {
  it("gives each item to at most workersPerItem labelers, never twice to one, with parallel claims", async () => {
    const { manager, project, workers } = await setup(6);
    const version = await upload(manager, project.id, "reviews.csv", reviews(40));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "sentiment", taskType: "text-classification", datasetVersionId: version.id, textField: "review", labels: [{ name: "positive" }, { name: "negative" }], workersPerItem: 3, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    expect(job).toMatchObject({ status: "preparing", workersPerItem: 3, labelAttributeName: "sentiment", taskTimeLimitSeconds: 300 });
    expect((await claimNext(db, job.id, workers[0])).reason).toContain("still reading its dataset");
    await prepareLabelingJobs(db, store);
    expect((await getLabelingJob(db, job.id, manager)).counts).toMatchObject({ items: 40, unreadable: 0, responsesNeeded: 120 });

    // Six labelers work through the queue at once until it has nothing for them.
    const seen = new Map<string, string[]>();
    await Promise.all(
      workers.map(async (w, k) => {
        for (let idle = 0; idle < 100; ) {
          const state = await claimNext(db, job.id, w);
          if (!state.item) {
            // Items held or locked by others' claims right now: look again shortly, as the page does.
            if (state.reason?.startsWith("All done")) return;
            idle++;
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          expect(state.item.text).toContain("review number"); // text comes back as text, markup and all
          seen.set(state.item.itemId, [...(seen.get(state.item.itemId) ?? []), w.id]);
          // The sixth labeler always answers the opposite of the truth. (The truth must not follow
          // the claim order: claims in lockstep put the same three labelers on every third item,
          // and a group that sees only one class cannot tell its flipper from its honest ones.)
          const truth = truthOf(Number(state.item.seq));
          await submitAnswer(db, job.id, state.item.assignmentId, { label: k === 5 ? 1 - truth : truth }, w);
        }
      }),
    );
    expect(seen.size).toBe(40);
    for (const [, labelers] of seen) {
      expect(labelers).toHaveLength(3);
      expect(new Set(labelers).size).toBe(3);
    }
    const done = await getLabelingJob(db, job.id, manager);
    expect(done.counts).toMatchObject({ responses: 120, labeled: 40 });
    expect((await claimNext(db, job.id, workers[0])).reason).toContain("All done");
    const assignments = await db.labelingAssignment.count({ where: { jobId: job.id, status: "submitted" } });
    expect(assignments).toBe(120);

    // Consolidation (the worker's pass): every item gets its true label, the job completes.
    await consolidateLabeledItems(db);
    const consolidated = await getLabelingJob(db, job.id, manager);
    expect(consolidated).toMatchObject({ status: "completed", counts: { consolidated: 40 } });
    const items = await listJobItems(db, job.id, manager, { limit: 100 });
    for (const item of items) {
      expect(item.labels).toEqual([["positive", "negative"][truthOf(item.seq)]]);
      expect(item.confidence).toBeGreaterThan(0.5);
      expect(item.confidence).toBeLessThanOrEqual(1);
    }
    // Agreement: the flipping labeler stands out; everyone's pace is there.
    const quality = await jobQuality(db, job.id, manager);
    expect(quality.agreement!.fleissKappa).not.toBeNull();
    expect(quality.agreement!.krippendorffAlpha).toBeLessThan(0.5);
    const flipper = quality.labelers.find((l) => l.id === workers[5].id)!;
    expect(flipper.kappaVsOthers).toBeLessThan(0);
    for (const honest of quality.labelers.filter((l) => l.id !== workers[5].id)) {
      if (honest.kappaVsOthers !== null) expect(honest.kappaVsOthers).toBeGreaterThan(flipper.kappaVsOthers!);
    }
    expect(quality.labelers.reduce((n, l) => n + l.submitted, 0)).toBe(120);
    expect(quality.labelers.every((l) => l.meanSecondsPerItem !== null && l.meanSecondsPerItem >= 0)).toBe(true);

    // The Ground Truth output manifest, field by field.
    const { stream } = await manifestStream(db, job.id, manager);
    const lines = (await new Response(stream).text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(40);
    expect(lines[1]).toMatchObject({
      source: "review number 1, <b>bold</b>",
      sentiment: truthOf(1),
      "sentiment-metadata": { "class-name": ["positive", "negative"][truthOf(1)], type: "groundtruth/text-classification", "job-name": "labeling-job/sentiment", "human-annotated": "yes" },
    });
    expect(Object.keys(lines[1])).toEqual(["source", "sentiment", "sentiment-metadata"]);
    expect(lines[1]["sentiment-metadata"]["creation-date"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(lines[1]["sentiment-metadata"].confidence).toBeGreaterThan(0.5);
  }, 60_000);

  it("expires a lease on its own, refuses the late answer without counting it, and returns skips to the pool", async () => {
    const { manager, project, workers } = await setup(3);
    const version = await upload(manager, project.id, "few.csv", reviews(2));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "few", taskType: "text-classification-multilabel", datasetVersionId: version.id, textField: "review", labels: [{ name: "a" }, { name: "b" }, { name: "c" }], workersPerItem: 1, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const [alice, bob, carol] = workers;
    const t0 = new Date();
    const a = (await claimNext(db, job.id, alice, t0)).item!;
    expect(a.seq).toBe(0);
    // A reload resumes the same item.
    expect((await claimNext(db, job.id, alice, new Date(t0.getTime() + 1_000))).item!.assignmentId).toBe(a.assignmentId);
    // The heartbeat keeps it past the first lease.
    await renewLease(db, job.id, a.assignmentId, alice, new Date(t0.getTime() + LEASE_MS - 1_000));
    const b = (await claimNext(db, job.id, bob, new Date(t0.getTime() + LEASE_MS + 1_000))).item!;
    expect(b.seq).toBe(1); // item 0 is still Alice's
    // Nothing renews Alice's claim: after its lease, item 0 is free again, and Carol gets it.
    const late = new Date(t0.getTime() + 3 * LEASE_MS);
    const c = (await claimNext(db, job.id, carol, late)).item!;
    expect(c.itemId).toBe(a.itemId);
    const refused = await expectAppError(submitAnswer(db, job.id, a.assignmentId, { labels: [0] }, alice, late), "conflict");
    expect(refused.message).toContain("Your time on this item is over");
    expect(refused.message).toContain("your answer was not counted");
    await submitAnswer(db, job.id, c.assignmentId, { labels: [2, 0, 2] }, carol, late);
    expect((await getLabelingJob(db, job.id, manager)).counts).toMatchObject({ responses: 1, labeled: 1 });
    const saved = await db.labelingAssignment.findUniqueOrThrow({ where: { id: c.assignmentId } });
    expect(JSON.parse(saved.answer!)).toEqual({ labels: [0, 2] });
    // A second submission of the same claim is not counted again.
    expect((await expectAppError(submitAnswer(db, job.id, c.assignmentId, { labels: [1] }, carol, late), "conflict")).message).toContain("counted once");

    // Bad answers name what is wrong.
    expect((await expectAppError(submitAnswer(db, job.id, b.assignmentId, { label: 1 }, bob, late), "validation_failed")).message).toContain("{ labels: [...] }");
    expect((await expectAppError(submitAnswer(db, job.id, b.assignmentId, { labels: [7] }, bob, late), "validation_failed")).message).toContain("label 7 does not exist");
    // Bob's lease ran out too: Carol's claim freed it on the way (claims free stale leases of their job).
    expect((await db.labelingAssignment.findUniqueOrThrow({ where: { id: b.assignmentId } })).status).toBe("expired");
    const again = (await claimNext(db, job.id, alice, late)).item!;
    expect(again.seq).toBe(1);
    await skipItem(db, job.id, again.assignmentId, alice, late);
    expect((await claimNext(db, job.id, alice, late)).item).toBeNull(); // never the same item twice: Alice had both
    const carols = (await claimNext(db, job.id, carol, late)).item!;
    expect(carols.seq).toBe(1);
    // The worker's sweep frees leases nobody renews, without any claim.
    expect(await expireAllLeases(db, new Date(late.getTime() + 2 * LEASE_MS))).toBe(1);
    expect(await db.labelingItem.findUniqueOrThrow({ where: { id: carols.itemId } })).toMatchObject({ status: "open", assigned: 0 });
    // Someone who is not on the job does not see it.
    await expectAppError(claimNext(db, job.id, manager), "not_found");
  }, 60_000);

  it("reads a zip of images, marking a corrupt one unreadable with the reason", async () => {
    const { manager, project, workers } = await setup(1);
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#3366cc" } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 20, height: 10, channels: 3, background: "#cc6633" } }).jpeg().toBuffer();
    const zip = zipOf({ "cats/one.png": png, "dogs/two.jpg": jpeg, "dogs/broken.jpg": jpeg.subarray(0, 100), "README.txt": Buffer.from("not an image") });
    const version = await upload(manager, project.id, "pets.zip", zip);
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "pets", taskType: "image-classification", datasetVersionId: version.id, labels: [{ name: "cat" }, { name: "dog" }], workersPerItem: 1, workerIds: [workers[0].id] }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const view = await getLabelingJob(db, job.id, manager);
    expect(view.counts).toMatchObject({ items: 3, unreadable: 1, responsesNeeded: 2 });
    expect(view.statusReason).toContain("1 item is unreadable");
    const broken = await db.labelingItem.findFirstOrThrow({ where: { jobId: job.id, status: "unreadable" } });
    expect(broken.unreadableReason).toContain("dogs/broken.jpg does not decode as an image");
    const first = (await claimNext(db, job.id, workers[0])).item!;
    expect(first.imageUrl).toBe(`/api/labeling/jobs/${job.id}/items/${first.itemId}/image`);
    const image = await itemImage(db, store, job.id, first.itemId, workers[0]);
    expect(image.contentType).toBe("image/png");
    expect((await sharp(image.bytes).metadata()).width).toBe(40);
    await submitAnswer(db, job.id, first.assignmentId, { label: 0 }, workers[0]);
    expect((await claimNext(db, job.id, workers[0])).item!.itemId).not.toBe(broken.id);
    // Wrong kinds of data, and people who cannot label, are refused saying what is wrong.
    const { principal: viewer } = await makePrincipal(db, "viewer");
    await setProjectMember(db, project.id, { userId: viewer.id, role: "viewer" }, manager);
    const csv = await upload(manager, project.id, "t.csv", reviews(1));
    expect((await expectAppError(createLabelingJob(db, project.id, createLabelingJobInput.parse({ name: "x", taskType: "image-classification", datasetVersionId: csv.id, labels: [{ name: "a" }], workerIds: [workers[0].id] }), manager), "validation_failed")).message).toContain("an image task reads a zip of images");
    expect((await expectAppError(createLabelingJob(db, project.id, createLabelingJobInput.parse({ name: "y", taskType: "text-classification", datasetVersionId: csv.id, textField: "nope", labels: [{ name: "a" }], workerIds: [workers[0].id] }), manager), "validation_failed")).message).toContain("has no column nope (it has id, review)");
    expect((await expectAppError(createLabelingJob(db, project.id, createLabelingJobInput.parse({ name: "z", taskType: "text-classification", datasetVersionId: csv.id, textField: "review", labels: [{ name: "a" }], workerIds: [viewer.id] }), manager), "validation_failed")).message).toContain("is a viewer of this project, who cannot label");
  }, 60_000);
});
