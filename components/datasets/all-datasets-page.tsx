"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { api } from "@/lib/api-client";
import { formatBytes, formatRelative } from "@/lib/format";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import type { DatasetView } from "@/server/datasets/dataset-view";
import { DatasetStatus } from "@/components/datasets/dataset-status";

/** Every dataset the user can read, most recently changed first; uploads happen in a project. */
export function AllDatasetsPage() {
  const [q, setQ] = useState("");
  const deferredQ = useDeferredValue(q);
  const { data, error, isLoading } = useQuery({
    queryKey: ["datasets", "all", deferredQ],
    queryFn: () => api<(DatasetView & { projectName: string })[]>(`/api/datasets${deferredQ ? `?q=${encodeURIComponent(deferredQ)}` : ""}`),
  });
  return (
    <>
      <PageHeader title="Datasets" description="Datasets in all your projects, most recently changed first. Upload them in a project." />
      <input aria-label="Search datasets" placeholder="Search datasets" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} mb-3 w-72`} />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading datasets…</p> : null}
      {data && data.length === 0 ? (
        <EmptyState title={q ? "No dataset matches" : "No datasets yet"}>
          {q ? null : (
            <>
              Open a{" "}
              <Link href="/projects" className="text-sky-700 hover:underline dark:text-sky-400">
                project
              </Link>{" "}
              and upload a CSV, JSON Lines, Parquet or zip file.
            </>
          )}
        </EmptyState>
      ) : null}
      {data && data.length > 0 ? (
        <Table label="All datasets">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Project</Th>
              <Th>Latest</Th>
              <Th>Rows / files</Th>
              <Th>Size</Th>
              <Th>Status</Th>
              <Th>Changed</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.id}>
                <Td>
                  <Link href={`/datasets/${d.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                    {d.name}
                  </Link>
                </Td>
                <Td>
                  <Link href={`/projects/${d.projectId}`} className="hover:underline">
                    {d.projectName}
                  </Link>
                </Td>
                <Td className="tabular-nums">
                  {d.latest ? `v${d.latest.version} · ${d.latest.format.toUpperCase()}` : "–"}
                </Td>
                <Td className="tabular-nums">{d.latest?.rowCount?.toLocaleString() ?? "–"}</Td>
                <Td>{d.latest ? formatBytes(d.latest.sizeBytes) : "–"}</Td>
                <Td>{d.latest ? <DatasetStatus version={d.latest} /> : null}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400">{formatRelative(d.updatedAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
