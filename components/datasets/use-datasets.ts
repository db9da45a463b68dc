"use client";

import { useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { DatasetVersionDetail, DatasetVersionView, DatasetView } from "@/server/datasets/dataset-view";

// While a version is being validated and profiled by the worker, its page follows it.
const whileProcessing = (versions: (DatasetVersionView | null | undefined)[]) => (versions.some((v) => v?.status === "processing") ? 1_000 : false);

export function useDatasets(projectId: string) {
  return useQuery({
    queryKey: queryKeys.datasets.byProject(projectId),
    queryFn: () => api<DatasetView[]>(`/api/projects/${projectId}/datasets`),
    refetchInterval: (query) => whileProcessing((query.state.data ?? []).map((d) => d.latest)),
  });
}

export function useDataset(id: string) {
  return useQuery({
    queryKey: queryKeys.datasets.detail(id),
    queryFn: () => api<DatasetView & { versions: DatasetVersionView[] }>(`/api/datasets/${id}`),
    refetchInterval: (query) => whileProcessing(query.state.data?.versions ?? []),
  });
}

export function useDatasetVersion(id: string, version: number | null) {
  return useQuery({
    queryKey: queryKeys.datasets.version(id, version ?? 0),
    queryFn: () => api<DatasetVersionDetail>(`/api/datasets/${id}/versions/${version}`),
    enabled: version !== null,
    refetchInterval: (query) => whileProcessing([query.state.data]),
  });
}

/**
 * Sends a file as the body of an upload (streamed by the browser, never read into memory), with
 * progress. XMLHttpRequest, because fetch reports no upload progress.
 */
export function uploadDataset(projectId: string, file: File, name: string, onProgress: (fraction: number) => void): Promise<{ datasetId: string; version: DatasetVersionView }> {
  return new Promise((resolve, reject) => {
    const qs = new URLSearchParams({ name, filename: file.name });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/projects/${projectId}/datasets/upload?${qs}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as { datasetId: string; version: DatasetVersionView });
      else reject(new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `Upload failed (${xhr.status}).`));
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted: check the connection and try again."));
    xhr.send(file);
  });
}
