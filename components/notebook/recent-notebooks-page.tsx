"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { api } from "@/lib/api-client";
import { formatRelative } from "@/lib/format";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import type { NotebookSummary } from "@/server/notebooks/notebook-view";

/** Every notebook the user can open, most recent first; creating one happens in a project. */
export function RecentNotebooksPage() {
  const [q, setQ] = useState("");
  const deferredQ = useDeferredValue(q);
  const { data, error, isLoading } = useQuery({
    queryKey: ["notebooks", "recent", deferredQ],
    queryFn: () => api<(NotebookSummary & { projectName: string })[]>(`/api/notebooks${deferredQ ? `?q=${encodeURIComponent(deferredQ)}` : ""}`),
  });
  return (
    <>
      <PageHeader title="Notebooks" description="Notebooks in all your projects, most recently changed first. Create and import them in a project." />
      <input aria-label="Search notebooks" placeholder="Search notebooks" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} mb-3 w-72`} />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading notebooks…</p> : null}
      {data && data.length === 0 ? (
        <EmptyState title={q ? "No notebook matches" : "No notebooks yet"}>
          {q ? null : (
            <>
              Open a{" "}
              <Link href="/projects" className="text-sky-700 hover:underline dark:text-sky-400">
                project
              </Link>{" "}
              to create one or import an .ipynb file.
            </>
          )}
        </EmptyState>
      ) : null}
      {data && data.length > 0 ? (
        <Table label="Recent notebooks">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Project</Th>
              <Th>Version</Th>
              <Th>Changed</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((n) => (
              <tr key={n.id}>
                <Td>
                  <Link href={`/notebooks/${n.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                    {n.name}
                  </Link>
                </Td>
                <Td>
                  <Link href={`/projects/${n.projectId}`} className="hover:underline">
                    {n.projectName}
                  </Link>
                </Td>
                <Td className="tabular-nums">v{n.version}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400">{formatRelative(n.updatedAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
