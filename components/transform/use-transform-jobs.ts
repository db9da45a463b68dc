"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { TransformConfig, TransformJobDetail, TransformJobView } from "@/lib/transform-jobs";

// Running jobs (and a finished job whose output version is still being profiled) are followed.
const busy = (job: TransformJobView | undefined) => job && (job.status === "InProgress" || job.status === "Stopping" || (job.status === "Completed" && job.output?.status === "processing"));

export function useTransformJobs(projectId?: string) {
  return useQuery({
    queryKey: queryKeys.transformJobs.list(projectId),
    queryFn: () => api<{ jobs: TransformJobView[] }>(`/api/transform-jobs${projectId ? `?projectId=${encodeURIComponent(projectId)}` : ""}`),
    select: (d) => d.jobs,
    refetchInterval: (query) => (query.state.data?.jobs.some(busy) ? 2_000 : false),
  });
}

export function useTransformJob(id: string) {
  return useQuery({
    queryKey: queryKeys.transformJobs.detail(id),
    queryFn: () => api<{ job: TransformJobDetail }>(`/api/transform-jobs/${id}`),
    select: (d) => d.job,
    refetchInterval: (query) => (busy(query.state.data?.job) ? 1_000 : false),
  });
}

export type CreateTransformJobBody = Partial<TransformConfig> & { name: string; modelVersionId: string; datasetVersionId: string; outputDatasetName?: string };

export function useCreateTransformJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, body }: { projectId: string; body: CreateTransformJobBody }) => api<{ job: TransformJobView }>(`/api/projects/${projectId}/transform-jobs`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.transformJobs.all }),
  });
}

export function useStopTransformJob(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ job: TransformJobDetail }>(`/api/transform-jobs/${id}/stop`, { method: "POST", body: {} }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.transformJobs.all }),
  });
}
