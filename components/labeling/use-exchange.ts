"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { LabelingExportView, ReviewState } from "@/lib/labeling/exchange";
import type { Answer, LabelingJobView } from "@/lib/labeling/tasks";
import type { ImportLabelsInput, SaveExportInput } from "@/server/labeling/exchange-schemas";

const working = (exports: LabelingExportView[] | undefined) => exports?.some((e) => e.status === "pending" || e.status === "running" || e.version?.status === "processing") ?? false;

/** The job's exports saved as dataset versions, following them while the worker writes and profiles them. */
export function useJobExports(jobId: string) {
  return useQuery({
    queryKey: [...queryKeys.labeling.detail(jobId), "exports"],
    queryFn: () => api<{ exports: LabelingExportView[] }>(`/api/labeling/jobs/${jobId}/exports`),
    select: (d) => d.exports,
    refetchInterval: (query) => (working(query.state.data?.exports) ? 1_000 : false),
  });
}

export function useSaveExport(jobId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: SaveExportInput) => api<{ export: LabelingExportView }>(`/api/labeling/jobs/${jobId}/exports`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: [...queryKeys.labeling.detail(jobId), "exports"] }),
  });
}

export function useImportLabels() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, body }: { projectId: string; body: ImportLabelsInput }) => api<{ job: LabelingJobView }>(`/api/projects/${projectId}/labeling-imports`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.labeling.all }),
  });
}

/** The reviewer's side: the pending item after or before a queue position, and the decision on it. */
export const reviewApi = {
  load: (jobId: string, cursor: { after?: number; before?: number }) =>
    api<{ review: ReviewState }>(`/api/labeling/jobs/${jobId}/review?${new URLSearchParams(Object.entries(cursor).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])))}`).then((d) => d.review),
  accept: (jobId: string, itemId: string) => api<{ status: string }>(`/api/labeling/jobs/${jobId}/review/${itemId}`, { body: { decision: "accept" } }),
  correct: (jobId: string, itemId: string, answer: Answer) => api<{ status: string }>(`/api/labeling/jobs/${jobId}/review/${itemId}`, { body: { decision: "correct", answer } }),
};
