"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Answer, CreateLabelingJobInput, JobQuality, LabelingItemView, LabelingJobView, QueueState } from "@/lib/labeling/tasks";

const preparing = (jobs: LabelingJobView[] | undefined) => jobs?.some((j) => j.status === "preparing") ?? false;

export function useLabelingJobs(filters: { projectId?: string; mine?: boolean } = {}) {
  const search = new URLSearchParams({ ...(filters.projectId ? { projectId: filters.projectId } : {}), ...(filters.mine ? { mine: "1" } : {}) }).toString();
  return useQuery({
    queryKey: queryKeys.labeling.list(filters),
    queryFn: () => api<{ jobs: LabelingJobView[] }>(`/api/labeling/jobs${search ? `?${search}` : ""}`),
    select: (d) => d.jobs,
    refetchInterval: (query) => (preparing(query.state.data?.jobs) ? 1_000 : 10_000),
  });
}

export function useLabelingJob(id: string) {
  return useQuery({
    queryKey: queryKeys.labeling.detail(id),
    queryFn: () => api<{ job: LabelingJobView }>(`/api/labeling/jobs/${id}`),
    select: (d) => d.job,
    refetchInterval: (query) => (query.state.data?.job.status === "preparing" ? 1_000 : 5_000),
  });
}

/** The job's first items, following the labeling as it goes. */
export function useJobItems(id: string) {
  return useQuery({
    queryKey: [...queryKeys.labeling.detail(id), "items"],
    queryFn: () => api<{ items: LabelingItemView[] }>(`/api/labeling/jobs/${id}/items?limit=50`),
    select: (d) => d.items,
    refetchInterval: 5_000,
  });
}

/** Agreement and each labeler's throughput, following the labeling. */
export function useJobQuality(id: string) {
  return useQuery({
    queryKey: [...queryKeys.labeling.detail(id), "quality"],
    queryFn: () => api<{ quality: JobQuality }>(`/api/labeling/jobs/${id}/quality`),
    select: (d) => d.quality,
    refetchInterval: 10_000,
  });
}

export function useCreateLabelingJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, body }: { projectId: string; body: CreateLabelingJobInput }) => api<{ job: LabelingJobView }>(`/api/projects/${projectId}/labeling-jobs`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.labeling.all }),
  });
}

export function useStopLabelingJob(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ job: LabelingJobView }>(`/api/labeling/jobs/${id}/stop`, { method: "POST" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.labeling.all }),
  });
}

/** The labeler's side: claim (or resume) an item, renew, submit, skip. */
export const queueApi = {
  claim: (jobId: string) => api<{ queue: QueueState }>(`/api/labeling/jobs/${jobId}/claim`, { method: "POST" }).then((d) => d.queue),
  heartbeat: (jobId: string, assignmentId: string) => api<{ leaseExpiresAt: string }>(`/api/labeling/jobs/${jobId}/assignments/${assignmentId}/heartbeat`, { method: "POST", body: {} }),
  submit: (jobId: string, assignmentId: string, answer: Answer) => api<{ ok: true }>(`/api/labeling/jobs/${jobId}/assignments/${assignmentId}/submit`, { method: "POST", body: { answer } }),
  skip: (jobId: string, assignmentId: string) => api<{ ok: true }>(`/api/labeling/jobs/${jobId}/assignments/${assignmentId}/skip`, { method: "POST", body: {} }),
};
