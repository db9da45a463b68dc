import type { Notebook } from "@/lib/nbformat";

export interface NotebookSummary {
  id: string;
  projectId: string;
  name: string;
  version: number;
  hostId: string | null;
  kernelName: string | null;
  createdAt: string;
  updatedAt: string;
  trashedAt: string | null;
}

export interface NotebookDocument extends NotebookSummary {
  content: Notebook;
}

export interface NotebookRow {
  id: string;
  projectId: string;
  name: string;
  version: number;
  hostId: string | null;
  kernelName: string | null;
  createdAt: Date;
  updatedAt: Date;
  trashedAt: Date | null;
}

export function toNotebookSummary(row: NotebookRow): NotebookSummary {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    version: row.version,
    hostId: row.hostId,
    kernelName: row.kernelName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    trashedAt: row.trashedAt?.toISOString() ?? null,
  };
}

/** The columns of a summary: listing never loads notebook content, which can be megabytes. */
export const notebookSummarySelect = {
  id: true,
  projectId: true,
  name: true,
  version: true,
  hostId: true,
  kernelName: true,
  createdAt: true,
  updatedAt: true,
  trashedAt: true,
} as const;

export function toNotebookDocument(row: NotebookRow & { content: unknown }): NotebookDocument {
  return { ...toNotebookSummary(row), content: row.content as Notebook };
}
