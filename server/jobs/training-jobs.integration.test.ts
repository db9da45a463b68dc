// Training jobs end to end below the HTTP framing: the worker's pass starts a kernel on a real
// Kernel Gateway, the real job runner (kernels/sdk, studio._runner) fetches its spec, code and
// inputs, runs the code, and ships logs, metrics, artifacts and its outcome to the domain functions
// (test/studio-api.ts serves them over HTTP). Also: validation (422 naming the field), log-regex
// metrics, de-duplication, a studio outage mid-job, stop, time limit, a dead kernel, host down, retries.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { kernelHarness } from "@/test/kernel-harness";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";
import { uploadJobCode } from "@/server/jobs/upload-job-code";
import { createTrainingJob } from "@/server/jobs/create-training-job";
import { createJobInput } from "@/server/jobs/job-schemas";
import { getTrainingJob } from "@/server/jobs/list-training-jobs";
import { listJobLogs } from "@/server/jobs/job-logs";
import { appendJobLogs, reportJobStatus } from "@/server/jobs/job-runtime";
import { stopTrainingJob } from "@/server/jobs/stop-training-job";
import { jobStartsSettled, tickTrainingJobs, STOP_GRACE_MS } from "@/server/jobs/run-training-jobs";
import { getRun } from "@/server/tracking/list-runs";
import { getRunCode } from "@/server/tracking/run-artifacts";
import { text } from "node:stream/consumers";
import { createScopedToken } from "@/server/tokens/scoped-tokens";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import type { Principal } from "@/server/auth/principal";
import type { JobView } from "@/server/jobs/job-view";

const db = setupTestDb();
const harness = kernelHarness(db, "jobs-test-");
const { store } = harness;

const tick = (now?: Date) => tickTrainingJobs(db, { now, studioUrlFor: () => harness.api.url });

async function setup() {
  const { user, principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `J ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const host = await harness.localHost();
  return { user, principal, project, host };
}

async function script(projectId: string, principal: Principal, code: string) {
  const upload = await uploadJobCode(db, store, projectId, "train.py", Readable.from([Buffer.from(code)]), principal);
  return upload.codeUploadId;
}

/** Runs worker passes until `done` says so about the job (or the deadline). */
async function runUntil(jobId: string, principal: Principal, done: (job: JobView) => Promise<boolean>, timeoutMs = 60_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tick();
    await jobStartsSettled();
    const job = await getTrainingJob(db, jobId, principal);
    if (await done(job)) return job;
    if (Date.now() > deadline) throw new Error(`timed out; job ${job.status}: ${job.statusReason}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const runUntilEnded = (jobId: string, principal: Principal, timeoutMs = 60_000) =>
  runUntil(jobId, principal, async (job) => ["completed", "failed", "stopped"].includes(job.status), timeoutMs);

async function allLogText(jobId: string, principal: Principal) {
  const page = await listJobLogs(db, jobId, { limit: 5000 }, principal);
  return page.chunks.map((c) => c.text).join("");
}

describe("creating jobs", () => {
  it("refuses bad input with the field named, and accepts a good script job", async () => {
    const { principal, project } = await setup();
    const bad = (input: Record<string, unknown>) => createTrainingJob(db, store, project.id, createJobInput.parse({ name: "j", ...input }), principal);
    expect((await expectAppError(bad({ sourceType: "script" }), "validation_failed")).issues?.[0].path).toBe("codeUploadId");
    expect((await expectAppError(bad({ sourceType: "notebook" }), "validation_failed")).issues?.[0].path).toBe("notebookId");
    const codeUploadId = await script(project.id, principal, "print('hi')\n");
    const regex = await expectAppError(bad({ sourceType: "script", codeUploadId, metricDefinitions: [{ Name: "loss", Regex: "loss=([0-9." }] }), "validation_failed");
    expect(regex.issues?.[0].path).toBe("metricDefinitions.0.Regex");
    const noGroup = await expectAppError(bad({ sourceType: "script", codeUploadId, metricDefinitions: [{ Name: "loss", Regex: "loss=[0-9.]+" }] }), "validation_failed");
    expect(noGroup.message).toContain("capture group");
    const hp = await expectAppError(bad({ sourceType: "builtin", algorithm: "xgboost", hyperparameters: { target: "y", max_depth: "-3" } }), "validation_failed");
    expect(hp.issues?.some((i) => i.path.startsWith("hyperparameters.max_depth"))).toBe(true);
    await expectAppError(bad({ sourceType: "script", codeUploadId, inputs: [{ channel: "train", datasetVersionId: "nope" }] }), "validation_failed");
    const job = await bad({ sourceType: "script", codeUploadId, codeFilename: "train.py" });
    expect(job).toMatchObject({ status: "pending", sourceType: "script", codeFilename: "train.py" });
  });

  it("refuses code that is neither .py nor a real zip", async () => {
    const { principal, project } = await setup();
    await expectAppError(uploadJobCode(db, store, project.id, "train.sh", Readable.from([Buffer.from("echo")]), principal), "validation_failed");
    await expectAppError(uploadJobCode(db, store, project.id, "code.zip", Readable.from([Buffer.from("not a zip")]), principal), "validation_failed");
  });
});

describe("the runner's reports", () => {
  it("stores each log chunk once, turns matching lines into metrics, and ignores reports of an older attempt", async () => {
    const { user, principal, project } = await setup();
    const codeUploadId = await script(project.id, principal, "print(1)\n");
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "regex", sourceType: "script", codeUploadId, metricDefinitions: [{ Name: "train:loss", Regex: "loss=([-+0-9.eE]+|nan|inf)" }] }), principal);
    const run = await db.run.create({ data: { experimentId: job.experimentId, projectId: project.id, name: "r", source: "job", jobId: job.id } });
    await db.trainingJob.update({ where: { id: job.id }, data: { runId: run.id, status: "running" } });
    const token = await createScopedToken(db, { kind: "job", userId: user.id, projectId: project.id, jobId: job.id, name: "t", ttlMs: 60_000 });
    const runner = (await authenticateApiToken(db, token))!;
    const chunks = [
      { seq: 0, stream: "stdout" as const, text: "epoch 1 loss=0.5\nepoch 2 loss=0.25\n" },
      { seq: 1, stream: "stdout" as const, text: "epoch 3 loss=nan\n" },
    ];
    await appendJobLogs(db, job.id, { attempt: 1, chunks }, runner);
    await appendJobLogs(db, job.id, { attempt: 1, chunks: [...chunks, { seq: 2, stream: "stderr", text: "warn\n" }] }, runner);
    expect(await allLogText(job.id, principal)).toBe("epoch 1 loss=0.5\nepoch 2 loss=0.25\nepoch 3 loss=nan\nwarn\n");
    expect((await listJobLogs(db, job.id, { limit: 100, q: "EPOCH 2" }, principal)).chunks.map((c) => c.text)).toEqual(["epoch 2 loss=0.25\n"]);
    const view = await getRun(db, run.id, principal);
    expect(view.metrics["train:loss"]).toEqual({ latest: "NaN", latestStep: 2, min: 0.25, max: 0.5, count: 3 });
    // Another job's token cannot touch this job.
    const other = await createScopedToken(db, { kind: "job", userId: user.id, projectId: project.id, jobId: "someother", name: "t", ttlMs: 60_000 });
    await expectAppError(appendJobLogs(db, job.id, { attempt: 1, chunks: [] }, (await authenticateApiToken(db, other))!), "not_found");
    await reportJobStatus(db, job.id, { attempt: 2, status: "completed" }, runner);
    expect((await getTrainingJob(db, job.id, principal)).status).toBe("running");
    await reportJobStatus(db, job.id, { attempt: 1, status: "failed", exitCode: 3, reason: "ValueError: bad" }, runner);
    expect(await getTrainingJob(db, job.id, principal)).toMatchObject({ status: "failed", exitCode: 3, statusReason: "ValueError: bad" });
    // The job's token dies with the job.
    expect(await authenticateApiToken(db, token)).toBeNull();
  });
});

describe("running jobs on a real kernel", () => {
  it("runs a script with a dataset input: logs, SDK and regex metrics, hyperparameters, a model artifact, completed", async () => {
    const { principal, project } = await setup();
    const csv = "x,y\n" + Array.from({ length: 50 }, (_, i) => `${i},${i % 2}`).join("\n") + "\n";
    const { version } = await uploadDatasetVersion(db, store, project.id, { name: "points", filename: "points.csv" }, Readable.from([Buffer.from(csv)]), principal);
    await processPendingDatasetVersions(db, store);
    const codeUploadId = await script(
      project.id,
      principal,
      [
        "import os, sys, json, studio",
        "train = os.environ['SM_CHANNEL_TRAIN']",
        "rows = open(os.path.join(train, os.listdir(train)[0])).read().splitlines()",
        "print('rows', len(rows) - 1, 'args', ' '.join(sys.argv[1:]))",
        "for epoch in range(3):",
        "    print(f'epoch={epoch} loss={1 / (epoch + 1)}')",
        "    studio.log_metric('sdk_accuracy', 0.5 + epoch / 10, step=epoch)",
        "studio.log_metric('weird', float('inf'))",
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.txt'), 'w').write(json.dumps(json.loads(os.environ['SM_HPS'])))",
      ].join("\n"),
    );
    const job = await createTrainingJob(
      db,
      store,
      project.id,
      createJobInput.parse({ name: "script job", sourceType: "script", codeUploadId, hyperparameters: { lr: "0.1" }, inputs: [{ channel: "train", datasetVersionId: version.id }], metricDefinitions: [{ Name: "loss", Regex: "loss=([0-9.]+)" }] }),
      principal,
    );
    const ended = await runUntilEnded(job.id, principal);
    const logs = await allLogText(job.id, principal);
    expect(ended.status, `${ended.statusReason}\n${logs}`).toBe("completed");
    expect(logs).toContain("rows 50 args --lr 0.1");
    const run = await getRun(db, ended.runId!, principal);
    expect(run.metrics.loss).toMatchObject({ count: 3, min: 1 / 3, max: 1 });
    expect(run.metrics.sdk_accuracy).toMatchObject({ count: 3, latest: 0.7 });
    expect(run.metrics.weird.latest).toBe("Infinity");
    expect(run.inputs).toMatchObject([{ channel: "train", name: "points", version: 1 }]);
    expect(run.artifacts.map((a) => a.path)).toContain("model/model.txt");
    expect(run.status).toBe("completed");
    // The run keeps the code that ran, under the name it was uploaded with.
    expect(run.hasCode).toBe(true);
    const code = await getRunCode(db, run.id, principal);
    expect(code.filename).toBe("train.py");
    expect((await text(store.read(code.key))).startsWith("import os, sys, json, studio\n")).toBe(true);
    // The worker shuts the finished job's kernel down.
    await tick();
    expect((await db.trainingJob.findUniqueOrThrow({ where: { id: job.id } })).kernelId).toBeNull();
  }, 90_000);

  it("runs built-in XGBoost on a CSV: validation metrics in the run, the model saved with its input schema", async () => {
    const { principal, project } = await setup();
    // Two noisy, separable classes with a categorical column and some missing values.
    const rows = Array.from({ length: 300 }, (_, i) => {
      const label = i % 2;
      const x = (label ? 2 : -2) + Math.sin(i * 12.9898) * 1.5;
      const colour = ["red", "green", "blue"][i % 3];
      return `${i % 17 === 0 ? "" : x.toFixed(3)},${(Math.cos(i) * 3).toFixed(3)},${colour},${label ? "yes" : "no"}`;
    });
    const csv = `x,noise,colour,churned\n${rows.join("\n")}\n`;
    const { version } = await uploadDatasetVersion(db, store, project.id, { name: "churn", filename: "churn.csv" }, Readable.from([Buffer.from(csv)]), principal);
    await processPendingDatasetVersions(db, store);
    const job = await createTrainingJob(
      db,
      store,
      project.id,
      createJobInput.parse({ name: "xgb", sourceType: "builtin", algorithm: "xgboost", hyperparameters: { target: "churned", num_round: "20", max_depth: "3" }, inputs: [{ channel: "train", datasetVersionId: version.id }] }),
      principal,
    );
    const ended = await runUntilEnded(job.id, principal, 120_000);
    expect(ended.status, `${ended.statusReason}\n${await allLogText(job.id, principal)}`).toBe("completed");
    const run = await getRun(db, ended.runId!, principal);
    expect(Number(run.metrics["validation:accuracy"].latest)).toBeGreaterThan(0.8);
    expect(run.metrics["validation:auc"]).toBeDefined();
    expect(run.params.num_round).toBe("20");
    expect(run.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(["model/model.joblib", "model/studio-model.json"]));
    const key = (await db.runArtifact.findFirstOrThrow({ where: { runId: run.id, path: "model/studio-model.json" } })).storageKey;
    const descriptor = JSON.parse(await text(store.read(key)));
    expect(run.hasCode).toBe(false); // a built-in algorithm has no code of the user's
    await expectAppError(getRunCode(db, run.id, principal), "not_found");
    expect(descriptor).toMatchObject({ format: "studio-model/1", algorithm: "xgboost", task: "binary_classification", loader: "joblib", target: "churned" });
    expect(descriptor.input_schema.map((c: { name: string }) => c.name)).toEqual(["x", "noise", "colour"]);
  }, 150_000);

  it("runs a notebook's code cells in order (magics work), as it was when the job was created", async () => {
    const { principal, project } = await setup();
    const notebook = await db.notebook.create({
      data: {
        projectId: project.id,
        name: "Explore",
        content: {
          nbformat: 4,
          nbformat_minor: 5,
          metadata: {},
          cells: [
            { id: "a", cell_type: "markdown", metadata: {}, source: "# Notes" },
            { id: "b", cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "%time total = sum(range(10))" },
            { id: "c", cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "import studio\nstudio.log_metric('total', total)\nprint('total is', total)" },
          ],
        },
      },
    });
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "nb", sourceType: "notebook", notebookId: notebook.id }), principal);
    // Later edits do not change what the job runs.
    await db.notebook.update({ where: { id: notebook.id }, data: { content: { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] } } });
    const ended = await runUntilEnded(job.id, principal);
    const logs = await allLogText(job.id, principal);
    expect(ended.status, `${ended.statusReason}\n${logs}`).toBe("completed");
    expect(logs).toContain("total is 45");
    expect((await getRun(db, ended.runId!, principal)).metrics.total.latest).toBe(45);
  }, 90_000);

  it("a crashing script fails with its traceback's last line as the reason; the log keeps the traceback", async () => {
    const { principal, project } = await setup();
    const codeUploadId = await script(project.id, principal, "print('about to fail')\ndef f():\n    raise ValueError('learning rate must be positive')\nf()\n");
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "crash", sourceType: "script", codeUploadId }), principal);
    const ended = await runUntilEnded(job.id, principal);
    expect(ended.status).toBe("failed");
    expect(ended.exitCode).toBe(1);
    expect(ended.statusReason).toContain("ValueError: learning rate must be positive");
    expect(await allLogText(job.id, principal)).toContain("Traceback (most recent call last)");
  }, 90_000);

  it("loses nothing when the studio is down for a while mid-job: the runner retries, each line arrives once", async () => {
    const { principal, project } = await setup();
    const codeUploadId = await script(project.id, principal, "import time, studio\nfor i in range(40):\n    print('line', i, flush=True)\n    studio.log_metric('i', i, step=i)\n    time.sleep(0.1)\n");
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "outage", sourceType: "script", codeUploadId }), principal);
    // Start it, wait until lines flow, then take the studio away for 3 s (like a web restart).
    await runUntil(job.id, principal, async () => (await allLogText(job.id, principal)).includes("line 3"));
    harness.api.down = true;
    await new Promise((r) => setTimeout(r, 3_000));
    harness.api.down = false;
    const ended = await runUntilEnded(job.id, principal);
    expect(ended.status, ended.statusReason ?? "").toBe("completed");
    const lines = (await allLogText(job.id, principal)).split("\n").filter((l) => l.startsWith("line "));
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i}`));
    const run = await getRun(db, ended.runId!, principal);
    expect(run.metrics.i).toMatchObject({ count: 40, latest: 39 });
  }, 90_000);

  it("stops a long job on request: the runner stops the code and the job ends stopped", async () => {
    const { principal, project } = await setup();
    const codeUploadId = await script(project.id, principal, "import time\nfor i in range(600):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n");
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "long", sourceType: "script", codeUploadId }), principal);
    await runUntil(job.id, principal, async (j) => j.status === "running");
    await stopTrainingJob(db, job.id, principal);
    const ended = await runUntilEnded(job.id, principal, 30_000);
    expect(ended).toMatchObject({ status: "stopped" });
    expect(ended.statusReason).toContain("Stopped by");
  }, 90_000);

  it("a job whose kernel dies fails with that reason, and is retried when retries are allowed", async () => {
    const { principal, project } = await setup();
    const codeUploadId = await script(project.id, principal, "import os, time\nif os.environ['STUDIO_JOB_ATTEMPT'] == '1':\n    time.sleep(600)\nprint('second attempt done')\n");
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "dies", sourceType: "script", codeUploadId, maxRetries: 1 }), principal);
    await runUntil(job.id, principal, async (j) => j.status === "running");
    const { kernelId } = await db.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    await fetch(`${harness.gateway.url}/api/kernels/${kernelId}`, { method: "DELETE", headers: { Authorization: `token ${harness.gateway.token}` } });
    // Silence is noticed after SILENCE_MS; pretend that time has passed.
    await db.trainingJob.update({ where: { id: job.id }, data: { lastHeartbeatAt: new Date(Date.now() - 120_000), updatedAt: new Date(Date.now() - 120_000) } });
    await tick(new Date(Date.now() + 120_000));
    const failed = await db.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(failed.status === "failed" || failed.status === "pending").toBe(true);
    const ended = await runUntilEnded(job.id, principal);
    expect(ended, ended.statusReason ?? "").toMatchObject({ status: "completed", attempt: 2 });
    expect(await allLogText(job.id, principal)).toContain("second attempt done");
  }, 120_000);
});

describe("hosts and limits", () => {
  it("waits for a host that is down, saying so, then fails with the reason after the wait limit", async () => {
    const { principal, project } = await setup();
    const down = await db.computeHost.create({ data: { name: `down-${Math.random().toString(36).slice(2, 6)}`, kind: "remote", url: "http://127.0.0.1:9", status: "unreachable", statusReason: "Connection refused by 127.0.0.1:9." } });
    const codeUploadId = await script(project.id, principal, "print(1)\n");
    const job = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "waits", sourceType: "script", codeUploadId, hostId: down.id }), principal);
    await tick();
    await jobStartsSettled();
    const waiting = await getTrainingJob(db, job.id, principal);
    expect(waiting.status).toBe("pending");
    expect(waiting.statusReason).toContain(`Waiting for host ${down.name}: Connection refused`);
    await tick(new Date(Date.now() + 3_600_000));
    await jobStartsSettled();
    const failed = await getTrainingJob(db, job.id, principal);
    expect(failed.status).toBe("failed");
    expect(failed.statusReason).toContain("gave up");
  });

  it("stops a pending job at once, and kills a running job's kernel if its runner does not stop in time", async () => {
    const { principal, project } = await setup();
    const codeUploadId = await script(project.id, principal, "print(1)\n");
    const pending = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "p", sourceType: "script", codeUploadId }), principal);
    expect((await stopTrainingJob(db, pending.id, principal)).status).toBe("stopped");
    const stuck = await createTrainingJob(db, store, project.id, createJobInput.parse({ name: "s", sourceType: "script", codeUploadId, maxRuntimeSeconds: 60 }), principal);
    await db.trainingJob.update({ where: { id: stuck.id }, data: { status: "running", startedAt: new Date(Date.now() - 61_000), lastHeartbeatAt: new Date() } });
    await tick();
    const limited = await getTrainingJob(db, stuck.id, principal);
    expect(limited.statusReason).toContain("MaxRuntimeExceeded");
    await tick(new Date(Date.now() + STOP_GRACE_MS + 1_000));
    expect(await getTrainingJob(db, stuck.id, principal)).toMatchObject({ status: "failed" });
  });
});
