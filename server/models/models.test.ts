// The model registry in the domain layer, on both databases: versions registered from a run's model
// folder (files copied, signature/metrics/lineage read from studio-model.json and the run) and from
// uploads (the file checked against its framework), approval with history, access by project role.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { buffer, text } from "node:stream/consumers";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createRun } from "@/server/tracking/create-run";
import { ingestRunBatch } from "@/server/tracking/ingest-run-batch";
import { runBatchInput } from "@/server/tracking/tracking-schemas";
import { putRunArtifact } from "@/server/tracking/run-artifacts";
import { registerModelVersionInput } from "@/server/models/model-schemas";
import { registerFromRun, registerFromUpload } from "@/server/models/register-model-version";
import { uploadModelFile } from "@/server/models/upload-model-file";
import { getModel, getModelVersion, getModelVersionFile, listModels } from "@/server/models/list-models";
import { setModelApproval } from "@/server/models/update-model";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();
const root = mkdtempSync(path.join(os.tmpdir(), "models-test-"));
const store = new LocalArtifactStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const manifest = {
  format: "studio-model/1",
  name: "model",
  framework: "xgboost",
  algorithm: "xgboost",
  task: "binary_classification",
  loader: "joblib",
  model_file: "model.joblib",
  input_schema: [
    { name: "x", type: "float" },
    { name: "colour", type: "string" },
  ],
  target: "churned",
  classes: [0, 1],
  metrics: { "validation:accuracy": 0.91, "validation:auc": 0.95 },
};

async function put(runId: string, p: string, body: string | Buffer, principal: Principal) {
  await putRunArtifact(db, store, runId, p, Readable.from([Buffer.from(body)]), principal);
}

async function setup() {
  const { principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `M ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const run = await createRun(db, project.id, { experiment: "churn", source: "sdk" }, principal);
  await put(run.id, "model/model.joblib", Buffer.from([0x80, 0x04, 0x95, 1, 2, 3]), principal);
  await put(run.id, "model/studio-model.json", JSON.stringify(manifest), principal);
  await put(run.id, "output/metrics.json", "{}", principal);
  return { principal, project, run };
}

const fromRun = (input: Record<string, unknown>) => registerModelVersionInput.parse({ source: "run", ...input }) as Extract<ReturnType<typeof registerModelVersionInput.parse>, { source: "run" }>;
const fromUpload = (input: Record<string, unknown>) => registerModelVersionInput.parse({ source: "upload", ...input }) as Extract<ReturnType<typeof registerModelVersionInput.parse>, { source: "upload" }>;

describe("registering from a run", () => {
  it("copies the model folder and reads framework, signature and metrics; versions count up", async () => {
    const { principal, project, run } = await setup();
    const v1 = await registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "churn-xgb", description: "first" }), principal);
    expect(v1).toMatchObject({
      version: 1,
      modelName: "churn-xgb",
      framework: "xgboost",
      task: "binary_classification",
      modelFile: "model.joblib",
      approvalStatus: "PendingManualApproval",
      source: "run",
      runId: run.id,
      runName: run.name,
      metrics: { "validation:accuracy": 0.91, "validation:auc": 0.95 },
      signature: { inputs: manifest.input_schema, outputs: [{ name: "predicted_label", type: "integer" }, { name: "probability", type: "float" }] },
    });
    const v2 = await registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "churn-xgb" }), principal);
    expect(v2.version).toBe(2);

    const detail = await getModelVersion(db, v1.id, principal);
    expect(detail.files.map((f) => f.path)).toEqual(["model.joblib", "studio-model.json"]);
    expect(detail.events).toMatchObject([{ status: "registered", actor: principal.name }]);
    // The version keeps its own copy: replacing the run's file later changes nothing.
    await put(run.id, "model/model.joblib", Buffer.from([0x80, 0x04, 9, 9]), principal);
    const file = await getModelVersionFile(db, v1.id, "model.joblib", principal);
    expect([...(await buffer(store.read(file.key)))].slice(0, 3)).toEqual([0x80, 0x04, 0x95]);

    const model = await getModel(db, v1.modelId, principal);
    expect(model.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(model.latestVersion?.version).toBe(2);
    expect(model.latestApproved).toBeNull();
    expect((await listModels(db, principal, {})).map((m) => m.name)).toEqual(["churn-xgb"]);
  });

  it("takes the run's latest metrics when the description has none, and its dataset lineage", async () => {
    const { principal, project, run } = await setup();
    await put(run.id, "model/studio-model.json", JSON.stringify({ ...manifest, metrics: {} }), principal);
    await ingestRunBatch(db, run.id, runBatchInput.parse({ source: "s", seq: 0, metrics: [{ key: "rmse", value: 2, step: 0, timestamp: 1 }, { key: "rmse", value: "NaN", step: 1, timestamp: 2 }] }), principal);
    const v = await registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m" }), principal);
    expect(v.metrics).toEqual({ rmse: "NaN" });
  });

  it("says what is missing when the run has no model folder or a broken description", async () => {
    const { principal, project, run } = await setup();
    const none = await expectAppError(registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m", path: "output" }), principal), "validation_failed");
    expect(none.message).toContain("output/studio-model.json");
    await put(run.id, "model/studio-model.json", JSON.stringify({ ...manifest, format: "mlflow" }), principal);
    const broken = await expectAppError(registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m" }), principal), "validation_failed");
    expect(broken.message).toContain("studio-model/1");
    await put(run.id, "model/studio-model.json", JSON.stringify({ ...manifest, model_file: "gone.joblib" }), principal);
    const gone = await expectAppError(registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m" }), principal), "validation_failed");
    expect(gone.message).toContain("model/gone.joblib");
    expect(await listModels(db, principal, {})).toEqual([]);
  });

  it("registers a TorchScript model folder (studio.save_model of a torch module)", async () => {
    const { principal, project, run } = await setup();
    const torchManifest = { ...manifest, framework: "pytorch", algorithm: null, loader: "torchscript", model_file: "model.pt", classes: ["stays", "churns"], output: "logits" };
    await put(run.id, "torch/model.pt", Buffer.from("PK\u0003\u0004 a zip", "latin1"), principal);
    await put(run.id, "torch/studio-model.json", JSON.stringify(torchManifest), principal);
    const v = await registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "churn-mlp", path: "torch" }), principal);
    expect(v).toMatchObject({ framework: "pytorch", modelFile: "model.pt", signature: { outputs: [{ name: "predicted_label", type: "string" }, { name: "probability", type: "float" }] } });
    expect((await getModelVersion(db, v.id, principal)).manifest).toMatchObject({ loader: "torchscript", output: "logits" });
    await put(run.id, "torch/studio-model.json", JSON.stringify({ ...torchManifest, output: "scores" }), principal);
    const bad = await expectAppError(registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "churn-mlp", path: "torch" }), principal), "validation_failed");
    expect(bad.message).toContain("output");
  });

  it("refuses a run of another project", async () => {
    const { principal, run } = await setup();
    const other = await createProject(db, { name: "elsewhere", description: "" }, principal);
    await expectAppError(registerFromRun(db, store, other.id, fromRun({ runId: run.id, modelName: "m" }), principal), "validation_failed");
  });
});

describe("registering an upload", () => {
  const upload = async (principal: Principal, projectId: string, bytes: Buffer, filename: string) =>
    uploadModelFile(db, store, projectId, filename, Readable.from([bytes]), principal);

  it("keeps the file with a studio-model.json describing it", async () => {
    const { principal, project } = await setup();
    const onnx = Buffer.from([0x08, 0x07, 0x12, 0x04, 0x74, 0x65, 0x73, 0x74]);
    const up = await upload(principal, project.id, onnx, "iris.onnx");
    const v = await registerFromUpload(
      db,
      store,
      project.id,
      fromUpload({ modelName: "iris", uploadId: up.uploadId, filename: "iris.onnx", framework: "onnx", task: "multiclass_classification", inputs: [{ name: "sepal_length", type: "float" }], classes: ["setosa", "versicolor", "virginica"] }),
      principal,
    );
    expect(v).toMatchObject({ version: 1, framework: "onnx", modelFile: "iris.onnx", source: "upload", signature: { outputs: [{ name: "predicted_label", type: "string" }, { name: "probability", type: "float" }] } });
    const detail = await getModelVersion(db, v.id, principal);
    expect(detail.files.map((f) => [f.path, f.sizeBytes])).toEqual([["iris.onnx", 8], ["studio-model.json", expect.any(Number)]]);
    expect(detail.files[0].sha256).toBe(up.sha256);
    const written = JSON.parse(await text(store.read((await getModelVersionFile(db, v.id, "studio-model.json", principal)).key)));
    expect(written).toMatchObject({ format: "studio-model/1", framework: "onnx", loader: "onnx", model_file: "iris.onnx", classes: ["setosa", "versicolor", "virginica"] });
    // The upload is used up.
    await expectAppError(registerFromUpload(db, store, project.id, fromUpload({ modelName: "iris", uploadId: up.uploadId, filename: "iris.onnx", framework: "onnx", inputs: [{ name: "a", type: "float" }] }), principal), "validation_failed");
  });

  it("describes an uploaded TorchScript file with its loader and what its scores are", async () => {
    const { principal, project } = await setup();
    const zip = Buffer.from("PK\u0003\u0004 torch.jit.save archive", "latin1");
    const base = { modelName: "mlp", filename: "mlp.pt", framework: "pytorch", task: "binary_classification", inputs: [{ name: "x", type: "float" }], classes: ["no", "yes"] };
    const first = await upload(principal, project.id, zip, "mlp.pt");
    const v1 = await registerFromUpload(db, store, project.id, fromUpload({ ...base, uploadId: first.uploadId }), principal);
    const written = async (id: string) => JSON.parse(await text(store.read((await getModelVersionFile(db, id, "studio-model.json", principal)).key)));
    expect(await written(v1.id)).toMatchObject({ framework: "pytorch", loader: "torchscript", model_file: "mlp.pt", output: "logits" });
    const second = await upload(principal, project.id, zip, "mlp.pt");
    const v2 = await registerFromUpload(db, store, project.id, fromUpload({ ...base, uploadId: second.uploadId, output: "probabilities" }), principal);
    expect(await written(v2.id)).toMatchObject({ loader: "torchscript", output: "probabilities" });
    // Not a zip: torch.jit.save writes one.
    const pickle = await upload(principal, project.id, Buffer.from([0x80, 0x04, 0x95]), "weights.pt");
    const refused = await expectAppError(registerFromUpload(db, store, project.id, fromUpload({ ...base, uploadId: pickle.uploadId, filename: "weights.pt" }), principal), "validation_failed");
    expect(refused.message).toContain("TorchScript");
    expect(() => fromUpload({ ...base, uploadId: first.uploadId, output: "scores" })).toThrow(/output/);
  });

  it("refuses a file that is not what its framework loads, naming the field", async () => {
    const { principal, project } = await setup();
    const text = await upload(principal, project.id, Buffer.from("hello"), "model.onnx");
    const wrongBytes = await expectAppError(
      registerFromUpload(db, store, project.id, fromUpload({ modelName: "x", uploadId: text.uploadId, filename: "model.onnx", framework: "onnx", inputs: [{ name: "a", type: "float" }] }), principal),
      "validation_failed",
    );
    expect(wrongBytes.issues?.[0].path).toBe("file");
    const wrongExtension = await expectAppError(
      registerFromUpload(db, store, project.id, fromUpload({ modelName: "x", uploadId: text.uploadId, filename: "model.onnx", framework: "sklearn", inputs: [{ name: "a", type: "float" }] }), principal),
      "validation_failed",
    );
    expect(wrongExtension.issues?.[0].path).toBe("filename");
    const twice = await expectAppError(
      registerFromUpload(db, store, project.id, fromUpload({ modelName: "x", uploadId: text.uploadId, filename: "model.onnx", framework: "onnx", inputs: [{ name: "a", type: "float" }, { name: "a", type: "float" }] }), principal),
      "validation_failed",
    );
    expect(twice.issues?.[0].path).toBe("inputs.1.name");
    expect(() => fromUpload({ modelName: "x", uploadId: text.uploadId, filename: "m.onnx", framework: "tensorflow", inputs: [] })).toThrow(/framework/);
    expect(await listModels(db, principal, {})).toEqual([]);
  });
});

describe("approval", () => {
  it("records who approved or rejected, when and why, in order", async () => {
    const { principal, project, run } = await setup();
    const v = await registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m" }), principal);
    await expectAppError(setModelApproval(db, v.id, { status: "Rejected", comment: "" }, principal), "validation_failed");
    const approved = await setModelApproval(db, v.id, { status: "Approved", comment: "AUC beats production" }, principal);
    expect(approved).toMatchObject({ approvalStatus: "Approved", approvalComment: "AUC beats production", approvalBy: principal.name });
    await expectAppError(setModelApproval(db, v.id, { status: "Approved", comment: "" }, principal), "conflict");
    const rejected = await setModelApproval(db, v.id, { status: "Rejected", comment: "leaks the label" }, principal);
    expect(rejected.events.map((e) => [e.status, e.comment])).toEqual([
      ["registered", ""],
      ["Approved", "AUC beats production"],
      ["Rejected", "leaks the label"],
    ]);
    expect((await getModel(db, v.modelId, principal)).latestApproved).toBeNull();
  });

  it("lets viewers read but not register or approve; non-members see nothing", async () => {
    const { principal, project, run } = await setup();
    const v = await registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m" }), principal);
    const viewer = await makePrincipal(db, "viewer");
    await setProjectMember(db, project.id, { userId: viewer.user.id, role: "viewer" }, principal);
    expect((await getModelVersion(db, v.id, viewer.principal)).version).toBe(1);
    await expectAppError(setModelApproval(db, v.id, { status: "Approved", comment: "" }, viewer.principal), "forbidden");
    await expectAppError(registerFromRun(db, store, project.id, fromRun({ runId: run.id, modelName: "m" }), viewer.principal), "forbidden");
    const stranger = await makePrincipal(db, "data_scientist");
    await expectAppError(getModelVersion(db, v.id, stranger.principal), "not_found");
    await expectAppError(getModel(db, v.modelId, stranger.principal), "not_found");
    expect(await listModels(db, stranger.principal, {})).toEqual([]);
  });
});
