"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { NotebookSummary } from "@/server/notebooks/notebook-view";
import type { CheckpointView } from "@/server/notebooks/checkpoints";
import type { NotebookDiff } from "@/lib/notebook-diff";

export function useNotebooks(projectId: string, filters: { q?: string; trashed: boolean }) {
  return useQuery({
    queryKey: queryKeys.notebooks.list(projectId, filters),
    queryFn: () => {
      const qs = new URLSearchParams({ trashed: String(filters.trashed), ...(filters.q ? { q: filters.q } : {}) });
      return api<NotebookSummary[]>(`/api/projects/${projectId}/notebooks?${qs}`);
    },
  });
}

/** A notebook's summary (who may write, project, trash); its content comes over the notebook socket. */
export function useNotebookSummary(id: string) {
  return useQuery({ queryKey: queryKeys.notebooks.detail(id), queryFn: () => api<NotebookSummary & { canWrite: boolean }>(`/api/notebooks/${id}?content=false`) });
}

export function useCheckpoints(id: string) {
  return useQuery({ queryKey: queryKeys.notebooks.checkpoints(id), queryFn: () => api<CheckpointView[]>(`/api/notebooks/${id}/checkpoints`) });
}

export function useCheckpointDiff(id: string, checkpointId: string | null) {
  return useQuery({
    queryKey: queryKeys.notebooks.diff(id, checkpointId ?? ""),
    queryFn: () => api<NotebookDiff>(`/api/notebooks/${id}/checkpoints/${checkpointId}/diff`),
    enabled: checkpointId !== null,
  });
}

/** Checkpoint create/restore change the notebook, its history and any open diff. */
export function useHistoryAction<T>(id: string, fn: (input: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: queryKeys.notebooks.detail(id) }),
        qc.invalidateQueries({ queryKey: queryKeys.notebooks.checkpoints(id) }),
        qc.invalidateQueries({ queryKey: ["notebooks", "diff", id] }),
      ]),
  });
}

/** Every notebook mutation refreshes the project's lists. */
export function useNotebookAction<T>(projectId: string, fn: (input: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notebooks.byProject(projectId) }) });
}
