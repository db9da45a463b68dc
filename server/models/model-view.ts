import "server-only";
import type { Db } from "@/server/db";
import { onnxReportSchema, type ApprovalStatus, type Framework, type ModelSummaryView, type ModelVersionView, type OnnxStatus, type Signature, type Task } from "@/lib/model-registry";
import type { WireNumber } from "@/lib/metric-values";
import { runInputsSchema } from "@/server/tracking/run-view";
import { jsonValue } from "@/server/db-driver";
import { userNames } from "@/server/users/user-names";

export interface VersionRow {
  id: string;
  modelId: string;
  version: number;
  framework: string;
  task: string | null;
  algorithm: string | null;
  modelFile: string;
  signature: unknown;
  metrics: unknown;
  description: string;
  source: string;
  runId: string | null;
  jobId: string | null;
  inputs: unknown;
  approvalStatus: string;
  approvalComment: string;
  approvalById: string | null;
  approvalAt: Date | null;
  onnxStatus: string;
  onnx: unknown;
  createdById: string | null;
  createdAt: Date;
  model: { name: string; projectId: string };
}

function onnxSummary(value: unknown): ModelVersionView["onnx"] {
  const report = onnxReportSchema.safeParse(jsonValue(value, null));
  if (!report.success) return null;
  const r = report.data;
  return { converter: r.converter ?? null, checkedRows: r.checkedRows ?? null, maxDifference: r.maxDifference ?? null, reason: r.reason ?? null };
}

export async function toVersionViews(db: Db, rows: VersionRow[]): Promise<ModelVersionView[]> {
  const names = await userNames(db, rows.flatMap((r) => [r.createdById, r.approvalById]));
  const runIds = [...new Set(rows.map((r) => r.runId).filter((id): id is string => id !== null))];
  const runs = runIds.length ? await db.run.findMany({ where: { id: { in: runIds } }, select: { id: true, name: true, experimentId: true } }) : [];
  const runById = new Map(runs.map((r) => [r.id, r]));
  return rows.map((r) => {
    const run = r.runId ? runById.get(r.runId) : undefined;
    return {
      id: r.id,
      modelId: r.modelId,
      modelName: r.model.name,
      projectId: r.model.projectId,
      version: r.version,
      framework: r.framework as Framework,
      task: r.task as Task | null,
      algorithm: r.algorithm,
      modelFile: r.modelFile,
      signature: jsonValue<Signature>(r.signature, { inputs: [], outputs: [] }),
      metrics: jsonValue<Record<string, WireNumber>>(r.metrics, {}),
      description: r.description,
      source: r.source as "run" | "upload",
      runId: r.runId,
      runName: run?.name ?? null,
      experimentId: run?.experimentId ?? null,
      jobId: r.jobId,
      inputs: runInputsSchema.catch([]).parse(jsonValue(r.inputs, [])),
      approvalStatus: r.approvalStatus as ApprovalStatus,
      approvalComment: r.approvalComment,
      approvalBy: r.approvalById ? (names.get(r.approvalById) ?? null) : null,
      approvalAt: r.approvalAt?.toISOString() ?? null,
      onnxStatus: r.onnxStatus as OnnxStatus,
      onnx: onnxSummary(r.onnx),
      createdBy: r.createdById ? (names.get(r.createdById) ?? null) : null,
      createdAt: r.createdAt.toISOString(),
    };
  });
}

export interface ModelRow {
  id: string;
  projectId: string;
  name: string;
  description: string;
  updatedAt: Date;
  project: { name: string };
  versions: { id: string; version: number; approvalStatus: string; framework: string; createdAt: Date }[];
  _count: { versions: number };
}

/** `versions` newest first (at least the newest, and the newest approved if any). */
export function toModelSummary(row: ModelRow): ModelSummaryView {
  const latest = row.versions[0];
  const approved = row.versions.find((v) => v.approvalStatus === "Approved");
  return {
    id: row.id,
    projectId: row.projectId,
    projectName: row.project.name,
    name: row.name,
    description: row.description,
    versionCount: row._count.versions,
    latestVersion: latest
      ? { id: latest.id, version: latest.version, approvalStatus: latest.approvalStatus as ApprovalStatus, framework: latest.framework as Framework, createdAt: latest.createdAt.toISOString() }
      : null,
    latestApproved: approved ? { id: approved.id, version: approved.version } : null,
    updatedAt: (latest && latest.createdAt > row.updatedAt ? latest.createdAt : row.updatedAt).toISOString(),
  };
}

export const versionInclude = { model: { select: { name: true, projectId: true } } } as const;
