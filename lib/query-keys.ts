// One key factory for every react-query cache entry, so mutations invalidate exactly what they change.
export const queryKeys = {
  me: ["me"] as const,
  hosts: { all: ["hosts"] as const },
  users: { all: ["users"] as const, directory: ["users", "directory"] as const },
  projects: { all: ["projects"] as const, detail: (id: string) => ["projects", id] as const },
  tokens: { all: ["tokens"] as const },
  notebooks: {
    list: (projectId: string, filters: { q?: string; trashed: boolean }) => ["notebooks", "list", projectId, filters] as const,
    byProject: (projectId: string) => ["notebooks", "list", projectId] as const,
    detail: (id: string) => ["notebooks", "detail", id] as const,
    checkpoints: (id: string) => ["notebooks", "checkpoints", id] as const,
    diff: (id: string, checkpointId: string) => ["notebooks", "diff", id, checkpointId] as const,
  },
  datasets: {
    byProject: (projectId: string) => ["datasets", "list", projectId] as const,
    detail: (id: string) => ["datasets", "detail", id] as const,
    version: (id: string, version: number) => ["datasets", "version", id, version] as const,
  },
  audit: { list: (filters: { action?: string; actor?: string }) => ["audit", filters] as const },
};
