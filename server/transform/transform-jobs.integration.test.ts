// Batch transform end to end on both databases: a scikit-learn model trained by kernels/.venv's
// Python (in the kernel sandbox) and registered from a run; datasets uploaded and profiled like any
// upload; the worker's pass runs real sandboxed `python -m studio.batch_transform` processes and
// stores their output as a new dataset version. Predictions are checked against the model's own
// (computed in the sandbox at training time), joins and filters against SageMaker's formats; a
// worker restart mid-way resumes without duplicating a line; a bad record, Stop and the up-front
// checks are covered too.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { registerModelFolder, runPythonInSandbox } from "@/test/models";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createProject } from "@/server/projects/create-project";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";
import { getDatasetVersion } from "@/server/datasets/list-datasets";
import { createTransformJobInput } from "@/server/transform/transform-schemas";
import { createTransformJob, getTransformJob, listTransformJobs, stopTransformJob } from "@/server/transform/manage-transform-jobs";
import { stopAllTransformProcesses, tickTransformJobs, transformWorkspace } from "@/server/transform/run-transform-jobs";
import type { Principal } from "@/server/auth/principal";
import type { TransformJobDetail } from "@/lib/transform-jobs";
// @ts-expect-error -- plain JavaScript (scripts/ run before node_modules exist).
import { dataDir } from "../../scripts/lib/setup.mjs";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "transform-test-"));
const store = new LocalArtifactStore(storeRoot);
const work = path.join(dataDir as string, `test-transform-${process.pid}`);

interface Trained {
  dir: string;
  csv: string;
  jsonl: string;
  big: string;
  labels: number[];
  probabilities: number[][];
}
let trained: Trained;

// The model, the datasets (with an id column and the target, like real files) and the model's own
// predictions for every row, all made in the sandbox.
const TRAIN = `
import json, numpy as np, pandas as pd, studio
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
rng = np.random.default_rng(7)
def data(n):
    x = pd.DataFrame({"tenure": rng.integers(0, 72, n), "spend": rng.normal(50, 20, n).round(2), "plan": rng.choice(["basic", "plus", "pro"], n)})
    return x, ((x["spend"] > 55) ^ (x["plan"] == "pro")).astype(int)
x, y = data(300)
pre = ColumnTransformer([("num", StandardScaler(), ["tenure", "spend"]), ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])])
model = make_pipeline(pre, LogisticRegression(max_iter=500)).fit(x, y)
studio.save_model(model, "model", input_example=x)
test, truth = data(150)
table = test.copy()
table.insert(0, "id", [f"c{i}" for i in range(len(test))])
table["churned"] = truth
table.to_csv("churn.csv", index=False)
table.to_json("churn.jsonl", orient="records", lines=True)
big, _ = data(800)
big.insert(0, "id", [f"b{i}" for i in range(len(big))])
big.to_csv("big.csv", index=False)
json.dump({"labels": model.predict(test).tolist(), "probabilities": model.predict_proba(test).tolist()}, open("expected.json", "w"))
`;

beforeAll(() => {
  mkdirSync(work, { recursive: true });
  runPythonInSandbox(TRAIN, work);
  trained = {
    dir: path.join(work, "model"),
    csv: path.join(work, "churn.csv"),
    jsonl: path.join(work, "churn.jsonl"),
    big: path.join(work, "big.csv"),
    ...JSON.parse(readFileSync(path.join(work, "expected.json"), "utf8")),
  };
}, 150_000);

afterEach(async () => {
  await stopAllTransformProcesses();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(storeRoot, { recursive: true, force: true });
});

async function setup() {
  const { principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `T ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const version = await registerModelFolder(db, store, principal, project.id, trained.dir, "churn");
  return { principal, project, version };
}

/** A dataset version from a file, validated and profiled by the worker's step like any upload. */
async function dataset(principal: Principal, projectId: string, name: string, file: string, content?: string) {
  const body = content ?? readFileSync(file, "utf8");
  const { version } = await uploadDatasetVersion(db, store, projectId, { name, filename: path.basename(file) }, Readable.from([Buffer.from(body)]), principal);
  await processPendingDatasetVersions(db, store, 10);
  return version;
}

/** Worker passes (and the profiling step) until the job ended and its output version is profiled. */
async function untilEnded(jobId: string, principal: Principal, timeoutMs = 90_000): Promise<TransformJobDetail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tickTransformJobs(db, store);
    await processPendingDatasetVersions(db, store, 10);
    const job = await getTransformJob(db, store, jobId, principal);
    if ((job.status === "Completed" && job.output?.status !== "processing") || job.status === "Failed" || job.status === "Stopped") return job;
    if (Date.now() > deadline) throw new Error(`transform still ${job.status} (${job.recordsDone} records)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function outputOf(job: TransformJobDetail): Promise<string> {
  const row = await db.transformJob.findUniqueOrThrow({ where: { id: job.id }, select: { outputVersion: { select: { storageKey: true } } } });
  return readFileSync(store.localPath(row.outputVersion!.storageKey), "utf8");
}

describe("a batch transform", () => {
  it("of a CSV dataset: the model's own predictions joined to each input row, as a new profiled dataset version", async () => {
    const { principal, project, version } = await setup();
    const input = await dataset(principal, project.id, "churn", trained.csv);
    expect(input.status).toBe("processing");
    const created = await createTransformJob(
      db,
      project.id,
      createTransformJobInput.parse({ name: "churn-scores", modelVersionId: version.id, datasetVersionId: input.id, inputFilter: "$[1:4]", joinSource: "Input" }),
      principal,
    );
    expect(created).toMatchObject({
      status: "InProgress",
      recordsTotal: 150,
      outputDatasetName: "churn-predictions",
      outputFilename: "churn.csv.out",
      config: { contentType: "text/csv", splitType: "Line", batchStrategy: "MultiRecord", maxPayloadInMB: 6, assembleWith: "Line", accept: "text/csv", joinSource: "Input", inputFilter: "$[1:4]", outputFilter: "$" },
    });
    const job = await untilEnded(created.id, principal);
    expect(job.status, job.failureReason ?? "").toBe("Completed");
    expect(job).toMatchObject({ recordsDone: 150, attempts: 1, output: { datasetName: "churn-predictions", version: 1, status: "ready" } });
    expect(job.bytesDone).toBe(job.bytesTotal);

    const lines = (await outputOf(job)).trimEnd().split("\n");
    const source = readFileSync(trained.csv, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("id,tenure,spend,plan,churned,predicted_label,probability");
    expect(lines).toHaveLength(151);
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(",");
      expect(cells.slice(0, 5).join(",")).toBe(source[i + 1]);
      expect(Number(cells[5])).toBe(trained.labels[i]);
      expect(Math.abs(Number(cells[6]) - Math.max(...trained.probabilities[i]))).toBeLessThan(1e-5);
    });
    // Profiled like any upload: the output is a table with the prediction columns.
    const output = await getDatasetVersion(db, job.output!.datasetId, 1, principal);
    expect(output.rowCount).toBe(150);
    expect(output.filename).toBe("churn.csv.out");
    expect(output.profile?.kind === "table" && output.profile.columns.map((c) => c.name)).toEqual(["id", "tenure", "spend", "plan", "churned", "predicted_label", "probability"]);
    // The job page's preview: the first lines as text.
    expect(job.preview?.slice(0, 2)).toEqual(lines.slice(0, 2));
    expect((await listTransformJobs(db, principal, { projectId: project.id })).map((j) => j.name)).toEqual(["churn-scores"]);
    expect(existsSync(transformWorkspace(job.id))).toBe(false);

    // Someone outside the project sees nothing.
    const stranger = await makePrincipal(db, "data_scientist");
    await expectAppError(getTransformJob(db, store, job.id, stranger.principal), "not_found");
    expect(await listTransformJobs(db, stranger.principal, {})).toEqual([]);
  }, 120_000);

  it("of a JSON Lines dataset: the input objects with the prediction under SageMakerOutput, filtered", async () => {
    const { principal, project, version } = await setup();
    const input = await dataset(principal, project.id, "churn-json", trained.jsonl);
    const created = await createTransformJob(
      db,
      project.id,
      createTransformJobInput.parse({
        name: "churn-json",
        modelVersionId: version.id,
        datasetVersionId: input.id,
        inputFilter: "$['tenure','spend','plan']",
        joinSource: "Input",
        outputFilter: "$['id','SageMakerOutput']",
        batchStrategy: "SingleRecord",
        outputDatasetName: "scores",
      }),
      principal,
    );
    expect(created.config).toMatchObject({ contentType: "application/jsonlines", accept: "application/jsonlines" });
    const job = await untilEnded(created.id, principal);
    expect(job.status, job.failureReason ?? "").toBe("Completed");
    expect(job.output).toMatchObject({ datasetName: "scores", status: "ready" });
    const records = (await outputOf(job))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; SageMakerOutput: { predicted_label: number; probability: number; probabilities: number[] } });
    expect(records).toHaveLength(150);
    records.forEach((record, i) => {
      expect(Object.keys(record)).toEqual(["id", "SageMakerOutput"]);
      expect(record.id).toBe(`c${i}`);
      expect(record.SageMakerOutput.predicted_label).toBe(trained.labels[i]);
      record.SageMakerOutput.probabilities.forEach((p, j) => expect(Math.abs(p - trained.probabilities[i][j])).toBeLessThan(1e-5));
    });
  }, 120_000);

  it("resumes after a worker restart from its last checkpoint: the output equals an uninterrupted run's", async () => {
    const { principal, project, version } = await setup();
    const input = await dataset(principal, project.id, "big", trained.big);
    const body = (name: string) => createTransformJobInput.parse({ name, modelVersionId: version.id, datasetVersionId: input.id, inputFilter: "$[1:]", batchStrategy: "SingleRecord", outputDatasetName: name });
    const reference = await untilEnded((await createTransformJob(db, project.id, body("whole"), principal)).id, principal);
    expect(reference.status, reference.failureReason ?? "").toBe("Completed");

    const interrupted = await createTransformJob(db, project.id, body("interrupted"), principal);
    // Until some records are checkpointed (and written to the database), then the worker "restarts".
    const deadline = Date.now() + 60_000;
    let row = await db.transformJob.findUniqueOrThrow({ where: { id: interrupted.id } });
    while (row.recordsDone === 0 && row.status === "InProgress" && Date.now() < deadline) {
      await tickTransformJobs(db, store);
      await new Promise((r) => setTimeout(r, 100));
      row = await db.transformJob.findUniqueOrThrow({ where: { id: interrupted.id } });
    }
    await stopAllTransformProcesses();
    row = await db.transformJob.findUniqueOrThrow({ where: { id: interrupted.id } });
    expect(row.status).toBe("InProgress");
    expect(row.recordsDone).toBeGreaterThan(0);
    expect(row.recordsDone).toBeLessThan(800);
    const checkpoint = JSON.parse(readFileSync(path.join(transformWorkspace(interrupted.id), "checkpoint.json"), "utf8"));
    expect(checkpoint.records).toBeGreaterThan(0);

    const job = await untilEnded(interrupted.id, principal);
    expect(job.status, job.failureReason ?? "").toBe("Completed");
    expect(job.attempts).toBe(2);
    expect(job.recordsDone).toBe(800);
    const resumed = await outputOf(job);
    expect(resumed.split("\n")).toHaveLength(802); // header + 800 + the final newline
    expect(resumed).toBe(await outputOf(reference));
  }, 180_000);

  it("fails on a record that does not fit the model, naming its line and the schema; Stop ends a running one", async () => {
    const { principal, project, version } = await setup();
    const rows = readFileSync(trained.csv, "utf8").trimEnd().split("\n");
    rows[42] = "c41,seven,3.5,plus,0"; // a tenure that is not a number (the upload itself is a valid CSV)
    const bad = await dataset(principal, project.id, "bad", "bad.csv", `${rows.join("\n")}\n`);
    const failing = await createTransformJob(db, project.id, createTransformJobInput.parse({ name: "bad", modelVersionId: version.id, datasetVersionId: bad.id, inputFilter: "$[1:4]" }), principal);
    const failed = await untilEnded(failing.id, principal);
    expect(failed.status).toBe("Failed");
    expect(failed.failureReason).toBe("line 43: 'seven' is not a integer (column tenure). The model takes 3 columns: tenure (integer), spend (float), plan (string)");
    expect(failed.output).toBeNull();
    expect(existsSync(transformWorkspace(failed.id))).toBe(false);

    const big = await dataset(principal, project.id, "big", trained.big);
    const running = await createTransformJob(db, project.id, createTransformJobInput.parse({ name: "stop-me", modelVersionId: version.id, datasetVersionId: big.id, inputFilter: "$[1:]", batchStrategy: "SingleRecord" }), principal);
    await tickTransformJobs(db, store);
    expect((await stopTransformJob(db, store, running.id, principal)).status).toBe("Stopping");
    const stopped = await untilEnded(running.id, principal);
    expect(stopped.status).toBe("Stopped");
    expect(stopped.output).toBeNull();
    expect(existsSync(transformWorkspace(running.id))).toBe(false);
    await expectAppError(stopTransformJob(db, store, running.id, principal), "conflict");
  }, 120_000);

  it("checks everything it can before a record is read", async () => {
    const { principal, project, version } = await setup();
    const input = await dataset(principal, project.id, "churn", trained.csv);
    const base = { name: "x", modelVersionId: version.id, datasetVersionId: input.id };
    const create = (extra: Record<string, unknown>) => createTransformJob(db, project.id, createTransformJobInput.parse({ ...base, ...extra }), principal);

    const unsupported = await expectAppError(create({ inputFilter: "$..tenure" }), "bad_request");
    expect(unsupported.message).toBe("InputFilter $..tenure is not supported: use $, $[i,j], $[a:b] (positions, end excluded, negative from the end), $.field and $['a','b']");
    expect(unsupported.issues?.[0].path).toBe("inputFilter");
    expect((await expectAppError(create({ outputFilter: "$[*]" }), "bad_request")).issues?.[0].path).toBe("outputFilter");
    expect((await expectAppError(create({ inputFilter: "$.tenure" }), "validation_failed")).message).toContain("CSV records are rows of values");
    expect((await expectAppError(create({ joinSource: "Input", accept: "application/jsonlines" }), "validation_failed")).issues?.[0].path).toBe("accept");
    expect((await expectAppError(create({ contentType: "application/jsonlines" }), "validation_failed")).issues?.[0].path).toBe("contentType");
    expect((await expectAppError(create({ outputDatasetName: "churn" }), "validation_failed")).issues?.[0].path).toBe("outputDatasetName");

    const processing = (await uploadDatasetVersion(db, store, project.id, { name: "later", filename: "later.csv" }, Readable.from([Buffer.from("a,b\n1,2\n")]), principal)).version;
    expect((await expectAppError(create({ datasetVersionId: processing.id }), "validation_failed")).message).toContain("still being validated");

    await create({ name: "taken" });
    expect((await expectAppError(create({ name: "taken" }), "validation_failed")).issues?.[0].path).toBe("name");
    const other = await setup();
    expect((await expectAppError(create({ modelVersionId: other.version.id }), "validation_failed")).issues?.[0].path).toBe("modelVersionId");
    const viewer = await makePrincipal(db, "viewer");
    await expectAppError(createTransformJob(db, project.id, createTransformJobInput.parse(base), viewer.principal), "not_found");
  }, 60_000);
});
