"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, uploadFile } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ApprovalStatus, Framework, ModelDetail, ModelSummaryView, ModelVersionDetail, ModelVersionView, SignatureColumn, Task } from "@/lib/model-registry";

export function useModels(filters: { projectId?: string } = {}) {
  return useQuery({
    queryKey: queryKeys.models.list(filters),
    queryFn: () => api<{ models: ModelSummaryView[] }>(`/api/models${filters.projectId ? `?projectId=${encodeURIComponent(filters.projectId)}` : ""}`),
    select: (d) => d.models,
  });
}

export function useModel(id: string) {
  return useQuery({ queryKey: queryKeys.models.detail(id), queryFn: () => api<{ model: ModelDetail }>(`/api/models/${id}`), select: (d) => d.model });
}

export function useModelVersion(id: string) {
  return useQuery({
    queryKey: queryKeys.models.version(id),
    queryFn: () => api<{ version: ModelVersionDetail }>(`/api/model-versions/${id}`),
    select: (d) => d.version,
    // The worker's ONNX export takes seconds: the page follows it.
    refetchInterval: (query) => (query.state.data?.version.onnxStatus === "pending" ? 2_000 : false),
  });
}

export function useRequestOnnxExport(versionId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ version: ModelVersionDetail }>(`/api/model-versions/${versionId}/onnx`, { method: "POST" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.models.all }),
  });
}

export type RegisterBody =
  | { source: "run"; runId: string; modelName: string; description?: string; path?: string }
  | { source: "upload"; uploadId: string; filename: string; modelName: string; description?: string; framework: Framework; task: Task | null; inputs: SignatureColumn[]; classes: (string | number)[] | null };

export function useRegisterModelVersion() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, body }: { projectId: string; body: RegisterBody }) => api<{ version: ModelVersionView }>(`/api/projects/${projectId}/model-versions`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.models.all }),
  });
}

export function useSetApproval(versionId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { status: ApprovalStatus; comment: string }) => api<{ version: ModelVersionDetail }>(`/api/model-versions/${versionId}/approval`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.models.all }),
  });
}

export function uploadModelFile(projectId: string, file: File, onProgress: (fraction: number) => void) {
  return uploadFile<{ uploadId: string; filename: string; sizeBytes: number; sha256: string }>(`/api/projects/${projectId}/models/upload?${new URLSearchParams({ filename: file.name })}`, file, onProgress);
}

export function modelFileUrl(versionId: string, path: string) {
  return `/api/model-versions/${versionId}/files?path=${encodeURIComponent(path)}`;
}
