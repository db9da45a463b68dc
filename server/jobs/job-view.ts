import "server-only";
import { z } from "zod";
import { metricDefinitionSchema, type JobStatus } from "@/server/jobs/job-schemas";

export const jobInputsSchema = z.array(z.object({ channel: z.string(), datasetVersionId: z.string() }));

export interface JobView {
  id: string;
  projectId: string;
  projectName: string;
  name: string;
  status: JobStatus;
  statusReason: string | null;
  exitCode: number | null;
  sourceType: "builtin" | "script" | "notebook";
  algorithm: string | null;
  notebookId: string | null;
  codeFilename: string | null;
  entryPoint: string | null;
  hyperparameters: Record<string, string>;
  inputs: { channel: string; datasetVersionId: string; datasetId: string | null; datasetName: string | null; version: number | null }[];
  metricDefinitions: z.infer<typeof metricDefinitionSchema>[];
  hostId: string | null;
  hostName: string | null;
  kernelName: string | null;
  maxRuntimeSeconds: number;
  maxRetries: number;
  attempt: number;
  experimentId: string;
  experimentName: string | null;
  runId: string | null;
  clonedFromId: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  stopRequestedAt: string | null;
  lastHeartbeatAt: string | null;
}

export const jobViewInclude = { project: { select: { name: true } } } as const;

export interface JobRow {
  id: string;
  projectId: string;
  name: string;
  status: string;
  statusReason: string | null;
  exitCode: number | null;
  sourceType: string;
  algorithm: string | null;
  notebookId: string | null;
  codeFilename: string | null;
  entryPoint: string | null;
  hyperparameters: unknown;
  inputs: unknown;
  metricDefinitions: unknown;
  hostId: string | null;
  kernelName: string | null;
  maxRuntimeSeconds: number;
  maxRetries: number;
  attempt: number;
  experimentId: string;
  runId: string | null;
  clonedFromId: string | null;
  createdById: string | null;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  stopRequestedAt: Date | null;
  lastHeartbeatAt: Date | null;
  project: { name: string };
}

export interface JobViewContext {
  hosts: Map<string, string>;
  experiments: Map<string, string>;
  users: Map<string, string>;
  versions: Map<string, { datasetId: string; name: string; version: number }>;
}

export function toJobView(row: JobRow, ctx: JobViewContext): JobView {
  const inputs = jobInputsSchema.safeParse(row.inputs);
  const definitions = z.array(metricDefinitionSchema).safeParse(row.metricDefinitions);
  const hps = z.record(z.string(), z.string()).safeParse(row.hyperparameters);
  return {
    id: row.id,
    projectId: row.projectId,
    projectName: row.project.name,
    name: row.name,
    status: row.status as JobStatus,
    statusReason: row.statusReason,
    exitCode: row.exitCode,
    sourceType: row.sourceType as JobView["sourceType"],
    algorithm: row.algorithm,
    notebookId: row.notebookId,
    codeFilename: row.codeFilename,
    entryPoint: row.entryPoint,
    hyperparameters: hps.success ? hps.data : {},
    inputs: (inputs.success ? inputs.data : []).map((i) => {
      const v = ctx.versions.get(i.datasetVersionId);
      return { ...i, datasetId: v?.datasetId ?? null, datasetName: v?.name ?? null, version: v?.version ?? null };
    }),
    metricDefinitions: definitions.success ? definitions.data : [],
    hostId: row.hostId,
    hostName: row.hostId ? (ctx.hosts.get(row.hostId) ?? null) : null,
    kernelName: row.kernelName,
    maxRuntimeSeconds: row.maxRuntimeSeconds,
    maxRetries: row.maxRetries,
    attempt: row.attempt,
    experimentId: row.experimentId,
    experimentName: ctx.experiments.get(row.experimentId) ?? null,
    runId: row.runId,
    clonedFromId: row.clonedFromId,
    createdBy: row.createdById ? (ctx.users.get(row.createdById) ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    stopRequestedAt: row.stopRequestedAt?.toISOString() ?? null,
    lastHeartbeatAt: row.lastHeartbeatAt?.toISOString() ?? null,
  };
}
