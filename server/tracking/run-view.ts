import "server-only";
import { z } from "zod";
import type { MetricSummary } from "@/lib/metric-values";
import { parseSummary } from "@/server/tracking/metric-summary";

export const runInputsSchema = z.array(
  z.object({
    channel: z.string().optional(),
    datasetId: z.string(),
    datasetVersionId: z.string(),
    name: z.string(),
    version: z.number().int(),
  }),
);
export type RunInputs = z.infer<typeof runInputsSchema>;

export interface RunView {
  id: string;
  experimentId: string;
  experimentName: string;
  projectId: string;
  name: string;
  status: string;
  source: string;
  jobId: string | null;
  notebookId: string | null;
  hostName: string | null;
  inputs: RunInputs;
  createdById: string | null;
  startedAt: string;
  endedAt: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, MetricSummary>;
}

/** A Run row's own columns (dates as the database driver returns them). */
export interface RunColumns<D = Date> {
  id: string;
  experimentId: string;
  projectId: string;
  name: string;
  status: string;
  source: string;
  jobId: string | null;
  notebookId: string | null;
  hostName: string | null;
  /** JSON: parsed by Prisma and on PostgreSQL, text from SQLite's raw driver. */
  inputs: unknown;
  createdById: string | null;
  startedAt: D;
  endedAt: D | null;
}

interface RunRow extends RunColumns {
  experiment: { name: string };
  params: { key: string; value: string }[];
  tags: { key: string; value: string }[];
  metrics: { key: string; summary: string }[];
}

export function toRunView(row: RunRow): RunView {
  const inputs = runInputsSchema.safeParse(row.inputs ?? []);
  return {
    id: row.id,
    experimentId: row.experimentId,
    experimentName: row.experiment.name,
    projectId: row.projectId,
    name: row.name,
    status: row.status,
    source: row.source,
    jobId: row.jobId,
    notebookId: row.notebookId,
    hostName: row.hostName,
    inputs: inputs.success ? inputs.data : [],
    createdById: row.createdById,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    params: Object.fromEntries(row.params.map((p) => [p.key, p.value])),
    tags: Object.fromEntries(row.tags.map((t) => [t.key, t.value])),
    metrics: Object.fromEntries(row.metrics.map((m) => [m.key, parseSummary(m.summary)])),
  };
}
