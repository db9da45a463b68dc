"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { HostView } from "@/server/hosts/host-view";

export interface HostInput {
  name?: string;
  url?: string;
  token?: string;
  enabled?: boolean;
}

/** Hosts refresh every 3 s (1 s while a probe is pending) so the page shows the worker's probes live. */
export function useHosts() {
  return useQuery({
    queryKey: queryKeys.hosts.all,
    queryFn: () => api<HostView[]>("/api/hosts"),
    refetchInterval: (query) => (query.state.data?.some((h) => h.probePending || h.status === "unknown") ? 1_000 : 3_000),
  });
}

function useHostMutation<T>(fn: (input: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.hosts.all }) });
}

export const useCreateHost = () => useHostMutation((input: HostInput) => api<HostView>("/api/hosts", { body: input }));
export const useUpdateHost = () =>
  useHostMutation(({ id, ...input }: HostInput & { id: string }) => api<HostView>(`/api/hosts/${id}`, { method: "PATCH", body: input }));
export const useDeleteHost = () => useHostMutation((id: string) => api(`/api/hosts/${id}`, { method: "DELETE" }));
export const useProbeHost = () => useHostMutation((id: string) => api<HostView>(`/api/hosts/${id}/probe`, { method: "POST" }));
