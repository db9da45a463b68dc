import "server-only";
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { readHead, type ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireProjectPermission } from "@/server/projects/project-access";
import { requireRunAccess } from "@/server/tracking/run-access";
import { runInputsSchema } from "@/server/tracking/run-view";
import { jsonValue } from "@/server/db-driver";
import { parseSummary } from "@/server/tracking/metric-summary";
import type { ModelVersionView, Signature, SignatureColumn, Task } from "@/lib/model-registry";
import { uploadExtensions } from "@/lib/model-registry";
import type { WireNumber } from "@/lib/metric-values";
import { studioModelManifest, type RegisterModelVersionInput } from "@/server/models/model-schemas";
import { modelUploadKey, sniffModelFile, uploadSha256 } from "@/server/models/upload-model-file";
import { toVersionViews, versionInclude } from "@/server/models/model-view";

export const MANIFEST = "studio-model.json";

const invalid = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/** What a model returns, from what it is: the columns a prediction answers with. */
export function outputsFor(task: Task | null, classes: unknown[] | null): SignatureColumn[] {
  switch (task) {
    case "binary_classification":
    case "multiclass_classification": {
      const labelType = classes?.length && classes.every((c) => typeof c === "number") ? (classes.every((c) => Number.isInteger(c)) ? "integer" : "float") : "string";
      return [
        { name: "predicted_label", type: labelType },
        { name: "probability", type: "float" },
      ];
    }
    case "regression":
      return [{ name: "prediction", type: "float" }];
    case "clustering":
      return [{ name: "cluster", type: "integer" }];
    default:
      return [];
  }
}

function wireMetrics(metrics: Record<string, unknown> | null | undefined): Record<string, WireNumber> {
  const out: Record<string, WireNumber> = {};
  for (const [key, value] of Object.entries(metrics ?? {})) {
    if (typeof value === "number") out[key] = value;
    else if (value === "NaN" || value === "Infinity" || value === "-Infinity") out[key] = value;
  }
  return out;
}

interface NewVersion {
  projectId: string;
  modelName: string;
  modelDescription: string;
  framework: string;
  task: Task | null;
  algorithm: string | null;
  modelFile: string;
  signature: Signature;
  metrics: Record<string, WireNumber>;
  manifest: Record<string, unknown>;
  source: "run" | "upload";
  runId: string | null;
  jobId: string | null;
  inputs: unknown;
  files: { path: string; sizeBytes: bigint; sha256: string; storageKey: string }[];
}

/** The next version of the model (created on first use), with its files and a "registered" event. */
async function createVersion(db: Db, data: NewVersion, actor: Principal): Promise<ModelVersionView> {
  for (let attempt = 0; ; attempt++) {
    try {
      const row = await db.$transaction(async (tx) => {
        const model = await tx.registeredModel.upsert({
          where: { projectId_name: { projectId: data.projectId, name: data.modelName } },
          create: { projectId: data.projectId, name: data.modelName, description: data.modelDescription, createdById: actor.id },
          update: {},
          select: { id: true },
        });
        const last = await tx.modelVersion.findFirst({ where: { modelId: model.id }, orderBy: { version: "desc" }, select: { version: true } });
        const created = await tx.modelVersion.create({
          data: {
            modelId: model.id,
            version: (last?.version ?? 0) + 1,
            framework: data.framework,
            task: data.task,
            algorithm: data.algorithm,
            modelFile: data.modelFile,
            signature: data.signature as object,
            metrics: data.metrics,
            manifest: data.manifest as object,
            description: data.modelDescription,
            source: data.source,
            runId: data.runId,
            jobId: data.jobId,
            inputs: (data.inputs ?? undefined) as object | undefined,
            createdById: actor.id,
            files: { create: data.files },
            events: { create: { status: "registered", actorId: actor.id } },
            // The worker exports it to ONNX next (export-onnx.ts), for in-process serving.
            onnxStatus: "pending",
          },
          include: versionInclude,
        });
        await tx.registeredModel.update({ where: { id: model.id }, data: { updatedAt: new Date() } });
        return created;
      });
      const [view] = await toVersionViews(db, [row]);
      return view;
    } catch (error) {
      // Two registrations of the same model at once both chose the same version number.
      if ((error as { code?: string }).code === "P2002" && attempt < 4) continue;
      throw error;
    }
  }
}

/**
 * Registers a run's model folder (what `studio.log_model` and the built-in algorithms write:
 * the model file(s) + studio-model.json) as the next version of `modelName` in the run's project.
 * The files are copied, so the version stays as it is whatever later happens to the run.
 */
export async function registerFromRun(db: Db, store: ArtifactStore, projectId: string, input: Extract<RegisterModelVersionInput, { source: "run" }>, actor: Principal): Promise<ModelVersionView> {
  await requireProjectPermission(db, projectId, actor, "models:write");
  const access = await requireRunAccess(db, input.runId, actor, "training:read");
  if (access.projectId !== projectId) throw invalid("runId", "is a run of another project");
  const prefix = `${input.path}/`;
  const artifacts = await db.runArtifact.findMany({ where: { runId: input.runId, path: { startsWith: prefix } }, orderBy: { path: "asc" } });
  const manifestArtifact = artifacts.find((a) => a.path === prefix + MANIFEST);
  if (!manifestArtifact) {
    throw invalid("path", `the run has no ${prefix}${MANIFEST}: log the model with studio.log_model (or train it with a built-in algorithm) first`);
  }
  const parsed = studioModelManifest.safeParse(JSON.parse(await text(store.read(manifestArtifact.storageKey)).catch(() => "null")));
  if (!parsed.success) throw invalid("path", `${prefix}${MANIFEST} is not a studio model description (${parsed.error.issues[0]?.path.join(".") || "file"} ${parsed.error.issues[0]?.message})`);
  const manifest = parsed.data;
  const modelFile = manifest.model_file ?? null;
  if (!modelFile || !artifacts.some((a) => a.path === prefix + modelFile)) throw invalid("path", `the model file ${prefix}${modelFile ?? "(none named)"} is not among the run's artifacts`);

  const run = await db.run.findUniqueOrThrow({ where: { id: input.runId }, select: { inputs: true, jobId: true, metrics: { select: { key: true, summary: true } } } });
  let metrics = wireMetrics(manifest.metrics);
  if (Object.keys(metrics).length === 0) {
    metrics = Object.fromEntries(run.metrics.flatMap((m) => {
      const latest = parseSummary(m.summary).latest;
      return latest === null ? [] : [[m.key, latest]];
    }));
  }
  const task = manifest.task ?? null;
  const classes = manifest.classes ?? null;

  const folder = `models/${access.projectId}/${randomUUID()}`;
  const files: NewVersion["files"] = [];
  try {
    for (const a of artifacts) {
      const storageKey = `${folder}/${a.path.slice(prefix.length)}`;
      if (!(await store.copy(a.storageKey, storageKey))) throw new AppError("not_found", `The file of the run's artifact ${a.path} is missing from the artifact store.`);
      files.push({ path: a.path.slice(prefix.length), sizeBytes: a.sizeBytes, sha256: a.sha256, storageKey });
    }
    return await createVersion(
      db,
      {
        projectId: access.projectId,
        modelName: input.modelName,
        modelDescription: input.description,
        framework: manifest.framework ?? "custom",
        task,
        algorithm: manifest.algorithm ?? null,
        modelFile,
        signature: { inputs: manifest.input_schema ?? [], outputs: outputsFor(task, classes) },
        metrics,
        manifest,
        source: "run",
        runId: input.runId,
        jobId: run.jobId,
        inputs: runInputsSchema.catch([]).parse(jsonValue(run.inputs, [])),
        files,
      },
      actor,
    );
  } catch (error) {
    for (const f of files) await store.delete(f.storageKey);
    throw error;
  }
}

/** Registers an uploaded model file (see upload-model-file.ts) with the signature its uploader gave. */
export async function registerFromUpload(db: Db, store: ArtifactStore, projectId: string, input: Extract<RegisterModelVersionInput, { source: "upload" }>, actor: Principal): Promise<ModelVersionView> {
  await requireProjectPermission(db, projectId, actor, "models:write");
  const names = new Set<string>();
  for (const [i, column] of input.inputs.entries()) {
    if (names.has(column.name)) throw invalid(`inputs.${i}.name`, `"${column.name}" appears twice`);
    names.add(column.name);
  }
  const uploadKey = modelUploadKey(projectId, input.uploadId);
  const size = await store.size(uploadKey);
  if (size === null) throw invalid("uploadId", "names no model upload of this project");
  const filename = input.filename.replace(/\\/g, "/").split("/").pop() ?? "";
  const extension = filename.includes(".") ? filename.slice(filename.lastIndexOf(".")).toLowerCase() : "";
  if (!uploadExtensions[input.framework].includes(extension)) {
    throw invalid("filename", `a ${input.framework} model is a ${uploadExtensions[input.framework].join(", ")} file, not "${filename}"`);
  }
  const head = await readHead(store, uploadKey, 64);
  const problem = sniffModelFile(extension, head);
  if (problem) throw invalid("file", `${filename} ${problem}`);
  if (filename === MANIFEST) throw invalid("filename", `cannot be ${MANIFEST}`);

  const manifest = {
    format: "studio-model/1",
    name: input.modelName,
    framework: input.framework,
    algorithm: null,
    task: input.task,
    loader: input.framework === "pytorch" ? "torchscript" : input.framework === "onnx" ? "onnx" : extension === ".json" || extension === ".ubj" ? "xgboost" : "joblib",
    model_file: filename,
    input_schema: input.inputs,
    target: null,
    classes: input.classes,
    // What the scores of a TorchScript classifier are: logits unless said otherwise.
    ...(input.framework === "pytorch" ? { output: input.output ?? "logits" } : {}),
    metrics: input.metrics,
    created_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const folder = `models/${projectId}/${randomUUID()}`;
  const files: NewVersion["files"] = [];
  try {
    if (!(await store.copy(uploadKey, `${folder}/${filename}`))) throw invalid("uploadId", "names no model upload of this project");
    files.push({ path: filename, sizeBytes: BigInt(size), sha256: uploadSha256(input.uploadId), storageKey: `${folder}/${filename}` });
    const pending = await store.write(Readable.from([Buffer.from(JSON.stringify(manifest, null, 2) + "\n")]), { maxBytes: 16 * 1024 * 1024 });
    try {
      await pending.commit(`${folder}/${MANIFEST}`);
    } finally {
      await pending.discard();
    }
    files.push({ path: MANIFEST, sizeBytes: BigInt(pending.size), sha256: pending.sha256, storageKey: `${folder}/${MANIFEST}` });
    const view = await createVersion(
      db,
      {
        projectId,
        modelName: input.modelName,
        modelDescription: input.description,
        framework: input.framework,
        task: input.task,
        algorithm: null,
        modelFile: filename,
        signature: { inputs: input.inputs, outputs: outputsFor(input.task, input.classes) },
        metrics: input.metrics,
        manifest,
        source: "upload",
        runId: null,
        jobId: null,
        inputs: null,
        files,
      },
      actor,
    );
    await store.delete(uploadKey);
    return view;
  } catch (error) {
    for (const f of files) await store.delete(f.storageKey);
    throw error;
  }
}
