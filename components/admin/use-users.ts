"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import type { Role } from "@/lib/roles";
import type { UserView } from "@/server/users/user-view";

export function useUsers() {
  return useQuery({ queryKey: queryKeys.users.all, queryFn: () => api<UserView[]>("/api/users") });
}

export function useUserDirectory() {
  return useQuery({
    queryKey: queryKeys.users.directory,
    queryFn: () => api<{ id: string; name: string; email: string }[]>("/api/users/directory"),
  });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; name: string; role: Role; password: string }) => api<UserView>("/api/users", { body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...input }: { id: string; name?: string; role?: Role; disabled?: boolean; password?: string }) =>
      api<UserView>(`/api/users/${id}`, { method: "PATCH", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
