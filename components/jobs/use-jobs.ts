"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, uploadFile } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { JobView } from "@/server/jobs/job-view";
import type { JobStatus } from "@/server/jobs/job-schemas";
import type { JobLogChunkView, JobLogsPage } from "@/server/jobs/job-logs";
import type { RunArtifactView } from "@/server/tracking/list-runs";
import type { RunView } from "@/server/tracking/run-view";
import type { DatasetVersionView, DatasetView } from "@/server/datasets/dataset-view";

export type { JobView, JobStatus, JobLogChunkView, JobLogsPage };
export type JobRunSummary = RunView & { artifacts: RunArtifactView[] };

/** What POST /api/projects/:id/jobs takes (server/jobs/job-schemas.ts `createJobInput`). */
export interface CreateJobBody {
  name: string;
  experiment?: string;
  sourceType: JobView["sourceType"];
  algorithm?: string;
  codeUploadId?: string;
  codeFilename?: string;
  entryPoint?: string;
  notebookId?: string;
  hyperparameters: Record<string, string>;
  inputs: { channel: string; datasetVersionId: string }[];
  hostId?: string;
  kernelName?: string;
  maxRuntimeSeconds: number;
  maxRetries: number;
  metricDefinitions: { Name: string; Regex: string }[];
  clonedFromId?: string;
}

export interface JobCodeUpload {
  codeUploadId: string;
  filename: string;
  sizeBytes: number;
  pythonFiles: string[];
}

const activeStatuses: readonly JobStatus[] = ["pending", "starting", "running"];
export const isActive = (job: Pick<JobView, "status">) => activeStatuses.includes(job.status);

/** Jobs across the caller's projects (or one project's); followed every 2 s while any is active. */
export function useJobs(projectId?: string) {
  return useQuery({
    queryKey: queryKeys.jobs.list(projectId),
    queryFn: () => api<{ jobs: JobView[] }>(projectId ? `/api/projects/${projectId}/jobs` : "/api/jobs"),
    select: (d) => d.jobs,
    refetchInterval: (query) => (query.state.data?.jobs.some(isActive) ? 2_000 : false),
  });
}

/** One job; followed every second while it is active (its log viewer tails alongside). */
export function useJob(id: string | null) {
  return useQuery({
    queryKey: queryKeys.jobs.detail(id ?? ""),
    queryFn: () => api<{ job: JobView }>(`/api/jobs/${id}`),
    select: (d) => d.job,
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data && isActive(query.state.data.job) ? 1_000 : false),
  });
}

export function useStopJob(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ job: JobView }>(`/api/jobs/${id}/stop`, { method: "POST", body: {} }),
    onSuccess: (data) => {
      qc.setQueryData(queryKeys.jobs.detail(id), data);
      return qc.invalidateQueries({ queryKey: ["jobs", "list"] });
    },
  });
}

export function useCreateJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, body }: { projectId: string; body: CreateJobBody }) => api<{ job: JobView }>(`/api/projects/${projectId}/jobs`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.jobs.all }),
  });
}

/** The run a job logs into: latest metric values and artifacts (model files); followed while the job runs. */
export function useJobRun(runId: string | null, follow: boolean) {
  return useQuery({
    queryKey: queryKeys.jobs.run(runId ?? ""),
    queryFn: () => api<{ run: JobRunSummary }>(`/api/runs/${runId}`),
    select: (d) => d.run,
    enabled: runId !== null,
    refetchInterval: follow ? 3_000 : false,
  });
}

/** A dataset with its versions, for choosing an input (nothing is fetched until a dataset is chosen). */
export function useDatasetVersions(datasetId: string | null) {
  return useQuery({
    queryKey: queryKeys.datasets.detail(datasetId ?? ""),
    queryFn: () => api<DatasetView & { versions: DatasetVersionView[] }>(`/api/datasets/${datasetId}`),
    enabled: datasetId !== null,
  });
}

/** Uploads a training script (.py) or zipped folder (.zip) for a job about to be created, with progress. */
export function uploadJobCode(projectId: string, file: Blob, filename: string, onProgress: (fraction: number) => void): Promise<JobCodeUpload> {
  return uploadFile(`/api/projects/${projectId}/jobs/code?${new URLSearchParams({ filename })}`, file, onProgress);
}
