"use client";

import Link from "next/link";
import { formatRelative } from "@/lib/format";
import { ErrorNotice } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { NoRunsHint } from "@/components/experiments/experiments-page";
import { useExperiments } from "@/components/experiments/use-experiments";
import { linkClass } from "@/components/ui/link";

/** The project page's Experiments section: this project's experiments, most recent run first. */
export function ProjectExperiments({ projectId }: { projectId: string }) {
  const { data, error, isLoading } = useExperiments(projectId);
  return (
    <section aria-label="Experiments" className="mb-8">
      <h2 className="mb-2 text-sm font-semibold">Experiments</h2>
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading experiments…</p> : null}
      {data && data.length === 0 ? <NoRunsHint what="No experiments in this project yet" /> : null}
      {data && data.length > 0 ? (
        <Table label="Project experiments">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th className="text-right">Runs</Th>
              <Th>Last run</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((e) => (
              <tr key={e.id}>
                <Td>
                  <Link href={`/experiments/${e.id}`} className={`font-medium ${linkClass}`}>
                    {e.name}
                  </Link>
                </Td>
                <Td className="text-right tabular-nums">{e.runCount.toLocaleString()}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400">{e.lastRunAt ? formatRelative(e.lastRunAt) : "no runs"}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </section>
  );
}
