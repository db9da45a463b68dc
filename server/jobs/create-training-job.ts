import "server-only";
import { Readable } from "node:stream";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireProjectPermission } from "@/server/projects/project-access";
import { checkKernelChoice } from "@/server/notebooks/check-kernel-choice";
import { ensureExperiment } from "@/server/tracking/create-run";
import { jobCodeKey } from "@/server/jobs/upload-job-code";
import { jobViewInclude, type JobView } from "@/server/jobs/job-view";
import { jobViews } from "@/server/jobs/list-training-jobs";
import type { CreateJobInput } from "@/server/jobs/job-schemas";
import { validateBuiltinHyperparameters } from "@/server/jobs/builtin-hyperparameters";

function invalid(path: string, message: string): AppError {
  return new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });
}

/** Python's `re` and JavaScript's RegExp agree on the patterns people write for log metrics. */
function checkMetricDefinitions(definitions: CreateJobInput["metricDefinitions"]): void {
  const names = new Set<string>();
  definitions.forEach((d, i) => {
    let pattern: RegExp;
    try {
      pattern = new RegExp(d.Regex);
    } catch (error) {
      throw invalid(`metricDefinitions.${i}.Regex`, `is not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, "")})`);
    }
    if (new RegExp(`${pattern.source}|`).exec("")!.length < 2) throw invalid(`metricDefinitions.${i}.Regex`, "needs a capture group around the number, like loss=([0-9.]+)");
    if (names.has(d.Name)) throw invalid(`metricDefinitions.${i}.Name`, `"${d.Name}" is defined twice`);
    names.add(d.Name);
  });
}

/**
 * Creates a training job (pending; the worker starts it). Everything is checked here, so a job
 * that is accepted can run: hyperparameters of built-in algorithms against their catalogue, input
 * dataset versions (ready, in this project), the host and kernel, the code (an upload of this
 * project, or a notebook whose current content is snapshotted now), metric regexes.
 */
export async function createTrainingJob(db: Db, store: ArtifactStore, projectId: string, input: CreateJobInput, actor: Principal): Promise<JobView> {
  await requireProjectPermission(db, projectId, actor, "training:write");
  let hyperparameters = input.hyperparameters;
  let codeKey: string | null = null;
  let codeFilename: string | null = null;
  let entryPoint: string | null = null;
  switch (input.sourceType) {
    case "builtin": {
      if (!input.algorithm) throw invalid("algorithm", "is required for a built-in algorithm job");
      hyperparameters = validateBuiltinHyperparameters(input.algorithm, input.hyperparameters);
      if (input.algorithm !== "kmeans" && !input.inputs.some((i) => i.channel === "train")) throw invalid("inputs", 'needs a dataset version on the "train" channel');
      break;
    }
    case "script": {
      if (!input.codeUploadId) throw invalid("codeUploadId", "is required: upload a .py file or a .zip of a folder first");
      codeKey = jobCodeKey(projectId, input.codeUploadId);
      if ((await store.size(codeKey)) === null) throw invalid("codeUploadId", "names no upload of this project");
      const zipped = input.codeUploadId.endsWith(".zip");
      const extension = zipped ? ".zip" : ".py";
      codeFilename = input.codeFilename?.toLowerCase().endsWith(extension) ? input.codeFilename : `${zipped ? "code" : "train"}${extension}`;
      if (zipped) {
        entryPoint = input.entryPoint?.trim() || null;
        if (!entryPoint) throw invalid("entryPoint", "is required for a zipped folder: the script to run, like train.py");
        if (entryPoint.startsWith("/") || entryPoint.split("/").includes("..")) throw invalid("entryPoint", "must be a path inside the folder");
      }
      break;
    }
    case "notebook": {
      if (!input.notebookId) throw invalid("notebookId", "is required for a notebook job");
      const notebook = await db.notebook.findFirst({ where: { id: input.notebookId, projectId, trashedAt: null }, select: { name: true, content: true } });
      if (!notebook) throw invalid("notebookId", "names no notebook of this project");
      // The code snapshot: later edits of the notebook do not change what this job runs.
      const pending = await store.write(Readable.from([Buffer.from(JSON.stringify(notebook.content))]), { maxBytes: 512 * 1024 * 1024 });
      try {
        codeKey = `job-code/${projectId}/notebook-${input.notebookId}-${pending.sha256.slice(0, 16)}`;
        await pending.commit(codeKey);
      } finally {
        await pending.discard();
      }
      codeFilename = `${notebook.name.replace(/[^\w.-]+/g, "_")}.ipynb`;
      break;
    }
  }
  const versionIds = input.inputs.map((i) => i.datasetVersionId);
  if (new Set(input.inputs.map((i) => i.channel)).size !== input.inputs.length) throw invalid("inputs", "each channel may appear once");
  const versions = await db.datasetVersion.findMany({ where: { id: { in: versionIds } }, select: { id: true, status: true, version: true, dataset: { select: { projectId: true, name: true } } } });
  input.inputs.forEach((i, n) => {
    const v = versions.find((x) => x.id === i.datasetVersionId);
    if (!v || v.dataset.projectId !== projectId) throw invalid(`inputs.${n}.datasetVersionId`, "names no dataset version of this project");
    if (v.status !== "ready") throw invalid(`inputs.${n}.datasetVersionId`, `${v.dataset.name} v${v.version} is ${v.status}, not ready`);
  });
  await checkKernelChoice(db, input.hostId, input.kernelName);
  checkMetricDefinitions(input.metricDefinitions);
  if (input.clonedFromId) {
    const source = await db.trainingJob.findFirst({ where: { id: input.clonedFromId, projectId }, select: { id: true } });
    if (!source) throw invalid("clonedFromId", "names no job of this project");
  }

  const experiment = await ensureExperiment(db, projectId, input.experiment ?? input.name, actor.id);
  const row = await db.trainingJob.create({
    data: {
      projectId,
      name: input.name,
      sourceType: input.sourceType,
      algorithm: input.sourceType === "builtin" ? input.algorithm : null,
      notebookId: input.sourceType === "notebook" ? input.notebookId : null,
      codeKey,
      codeFilename,
      entryPoint,
      hyperparameters,
      inputs: input.inputs,
      metricDefinitions: input.metricDefinitions,
      hostId: input.hostId ?? null,
      kernelName: input.kernelName ?? null,
      maxRuntimeSeconds: input.maxRuntimeSeconds,
      maxRetries: input.maxRetries,
      experimentId: experiment.id,
      clonedFromId: input.clonedFromId ?? null,
      createdById: actor.id,
      statusReason: "Waiting for the worker to start it.",
    },
    include: jobViewInclude,
  });
  const [view] = await jobViews(db, [row]);
  return view;
}
