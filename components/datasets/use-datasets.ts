"use client";

import { useQuery } from "@tanstack/react-query";
import { api, uploadFile } from "@/lib/api-client";
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

/** Uploads a file as the dataset's next version (streamed, with progress). */
export function uploadDataset(projectId: string, file: File, name: string, onProgress: (fraction: number) => void): Promise<{ datasetId: string; version: DatasetVersionView }> {
  return uploadFile(`/api/projects/${projectId}/datasets/upload?${new URLSearchParams({ name, filename: file.name })}`, file, onProgress);
}
