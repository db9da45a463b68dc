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
  experiments: {
    all: ["experiments"] as const,
    list: (projectId?: string) => ["experiments", "list", projectId ?? "all"] as const,
    detail: (id: string) => ["experiments", "detail", id] as const,
    compare: (id: string, runIds: string[], key: string, range: { minStep?: number; maxStep?: number }) => ["experiments", "compare", id, runIds, key, range] as const,
  },
  runs: {
    detail: (id: string) => ["runs", "detail", id] as const,
    metric: (id: string, key: string, range: { minStep?: number; maxStep?: number }) => ["runs", "metric", id, key, range] as const,
  },
  jobs: {
    all: ["jobs"] as const,
    list: (projectId?: string) => ["jobs", "list", projectId ?? "all"] as const,
    detail: (id: string) => ["jobs", "detail", id] as const,
    run: (runId: string) => ["jobs", "run", runId] as const,
  },
  models: {
    all: ["models"] as const,
    list: (filters: { projectId?: string }) => ["models", "list", filters] as const,
    detail: (id: string) => ["models", "detail", id] as const,
    version: (id: string) => ["models", "version", id] as const,
  },
  transformJobs: {
    all: ["transform-jobs"] as const,
    list: (projectId?: string) => ["transform-jobs", "list", projectId ?? "all"] as const,
    detail: (id: string) => ["transform-jobs", "detail", id] as const,
  },
  labeling: {
    all: ["labeling"] as const,
    list: (filters: { projectId?: string; mine?: boolean }) => ["labeling", "list", filters.projectId ?? "all", filters.mine ? "mine" : "all"] as const,
    detail: (id: string) => ["labeling", "detail", id] as const,
    queue: (id: string) => ["labeling", "queue", id] as const,
  },
  endpoints: {
    all: ["endpoints"] as const,
    list: (projectId?: string) => ["endpoints", "list", projectId ?? "all"] as const,
    detail: (id: string) => ["endpoints", "detail", id] as const,
    modelCache: (id: string) => ["endpoints", "model-cache", id] as const,
  },
};
