"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { EndpointModelCache, EndpointView, RuntimeChoice } from "@/lib/endpoints";

const settling = (e: EndpointView | undefined) =>
  e && (e.status === "Creating" || e.status === "Updating" || e.status === "Deleting" || e.variants.some((v) => v.state !== "active" || (v.runtime === "python" && v.readyReplicas < v.replicas)));

export function useEndpoints(projectId?: string) {
  return useQuery({
    queryKey: queryKeys.endpoints.list(projectId),
    queryFn: () => api<{ endpoints: EndpointView[] }>(`/api/endpoints${projectId ? `?projectId=${encodeURIComponent(projectId)}` : ""}`),
    select: (d) => d.endpoints,
    refetchInterval: (query) => (query.state.data?.endpoints.some(settling) ? 2_000 : false),
  });
}

export function useEndpoint(id: string) {
  return useQuery({
    queryKey: queryKeys.endpoints.detail(id),
    queryFn: () => api<{ endpoint: EndpointView }>(`/api/endpoints/${id}`),
    select: (d) => d.endpoint,
    // While model servers start (or restart), the page follows them.
    refetchInterval: (query) => (settling(query.state.data?.endpoint) ? 1_000 : 10_000),
  });
}

export interface CreateEndpointBody {
  name: string;
  production: boolean;
  dataCapture?: { samplingPercentage: number; captureInput: boolean; captureOutput: boolean } | null;
  variants?: { name?: string; modelVersionId: string; weight?: number; replicas?: number; runtime?: RuntimeChoice }[];
  multiModel?: { memoryBudgetMb: number; replicas: number; models: { name?: string; modelVersionId: string }[] };
}

export function useCreateEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, body }: { projectId: string; body: CreateEndpointBody }) => api<{ endpoint: EndpointView }>(`/api/projects/${projectId}/endpoints`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.endpoints.all }),
  });
}

export function useDeleteEndpoint(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ ok: true }>(`/api/endpoints/${id}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.endpoints.all }),
  });
}

export interface UpdateEndpointBody {
  variants: { name: string; modelVersionId: string; weight: number; replicas: number; runtime: RuntimeChoice; shadow: boolean; shadowSamplingPercent: number }[];
}

export function useUpdateEndpoint(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: UpdateEndpointBody) => api<{ endpoint: EndpointView }>(`/api/endpoints/${id}`, { method: "PATCH", body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.endpoints.all }),
  });
}

/** What a multi-model endpoint's servers have loaded, load times and cache hits (live, every 2 s). */
export function useEndpointModelCache(id: string) {
  return useQuery({
    queryKey: queryKeys.endpoints.modelCache(id),
    queryFn: () => api<{ cache: EndpointModelCache }>(`/api/endpoints/${id}/models`),
    select: (d) => d.cache,
    refetchInterval: 2_000,
  });
}

export function useAddEndpointModel(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name?: string; modelVersionId: string }) => api<{ endpoint: EndpointView }>(`/api/endpoints/${id}/models`, { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.endpoints.all }),
  });
}

export function useRemoveEndpointModel(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api<{ endpoint: EndpointView }>(`/api/endpoints/${id}/models/${encodeURIComponent(name)}`, { method: "DELETE" }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.endpoints.all }),
  });
}
