"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { NotebookDocument, NotebookSummary } from "@/server/notebooks/notebook-view";

export function useNotebooks(projectId: string, filters: { q?: string; trashed: boolean }) {
  return useQuery({
    queryKey: queryKeys.notebooks.list(projectId, filters),
    queryFn: () => {
      const qs = new URLSearchParams({ trashed: String(filters.trashed), ...(filters.q ? { q: filters.q } : {}) });
      return api<NotebookSummary[]>(`/api/projects/${projectId}/notebooks?${qs}`);
    },
  });
}

export function useNotebook(id: string) {
  return useQuery({ queryKey: queryKeys.notebooks.detail(id), queryFn: () => api<NotebookDocument>(`/api/notebooks/${id}`) });
}

/** Every notebook mutation refreshes the project's lists. */
export function useNotebookAction<T>(projectId: string, fn: (input: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.notebooks.byProject(projectId) }) });
}
