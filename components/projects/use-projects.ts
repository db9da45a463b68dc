"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { ProjectMemberView, ProjectView } from "@/server/projects/project-view";
import type { Role } from "@/lib/roles";

export type ProjectDetail = ProjectView & { members: ProjectMemberView[] };

export function useProjects() {
  return useQuery({ queryKey: queryKeys.projects.all, queryFn: () => api<ProjectView[]>("/api/projects") });
}

export function useProject(id: string) {
  return useQuery({ queryKey: queryKeys.projects.detail(id), queryFn: () => api<ProjectDetail>(`/api/projects/${id}`) });
}

export function useCreateProject() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; slug?: string; description?: string }) => api<ProjectView>("/api/projects", { body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.projects.all }),
  });
}

export function useUpdateProject(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name?: string; description?: string }) => api<ProjectDetail>(`/api/projects/${id}`, { method: "PATCH", body: input }),
    onSuccess: (data) => {
      qc.setQueryData(queryKeys.projects.detail(id), data);
      return qc.invalidateQueries({ queryKey: queryKeys.projects.all });
    },
  });
}

export function useSetMember(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { userId: string; role: Role }) => api<ProjectDetail>(`/api/projects/${id}/members`, { body: input }),
    onSuccess: (data) => qc.setQueryData(queryKeys.projects.detail(id), data),
  });
}

export function useRemoveMember(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api<ProjectDetail>(`/api/projects/${id}/members/${userId}`, { method: "DELETE" }),
    onSuccess: (data) => qc.setQueryData(queryKeys.projects.detail(id), data),
  });
}
