"use client";

import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { formatRelative } from "@/lib/format";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { useExperiments } from "@/components/experiments/use-experiments";
import { linkClass } from "@/components/ui/link";

export const sdkSnippet = `import studio

studio.log_param("lr", 0.01)
studio.log_metric("loss", 0.5)`;

/** What to do when there are no runs yet: log from a notebook or a script with the SDK. */
export function NoRunsHint({ what = "No experiments yet" }: { what?: string }) {
  return (
    <EmptyState title={what}>
      <p>Runs appear here when a notebook, a script or a training job logs to the studio:</p>
      <pre className="mx-auto mt-3 w-fit rounded-md bg-zinc-100 px-4 py-3 text-left font-mono text-xs text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200">{sdkSnippet}</pre>
      <p className="mt-2 text-xs">
        In a studio notebook or job the SDK is already set up; elsewhere call <code className="font-mono">studio.init(url=, token=, project=)</code> with a personal{" "}
        <Link href="/settings/tokens" className={linkClass}>
          API token
        </Link>
        .
      </p>
    </EmptyState>
  );
}

/** Experiments in every project the caller may read, most recent run first. */
export function ExperimentsPage() {
  const [q, setQ] = useState("");
  const query = useDeferredValue(q).trim().toLowerCase();
  const { data, error, isLoading } = useExperiments();
  const shown = (data ?? []).filter((e) => !query || e.name.toLowerCase().includes(query) || e.projectName.toLowerCase().includes(query) || e.description.toLowerCase().includes(query));
  return (
    <>
      <PageHeader title="Experiments" description="Experiments in all your projects, most recent run first. Each run logs params, metrics and artifacts." />
      <input aria-label="Search experiments" placeholder="Search experiments or projects" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} mb-3 w-72`} />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading experiments…</p> : null}
      {data && data.length === 0 ? <NoRunsHint /> : null}
      {data && data.length > 0 && shown.length === 0 ? <EmptyState title="No experiment matches">Try part of an experiment&apos;s or a project&apos;s name.</EmptyState> : null}
      {shown.length > 0 ? (
        <Table label="Experiments">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Project</Th>
              <Th className="text-right">Runs</Th>
              <Th>Last run</Th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id}>
                <Td>
                  <Link href={`/experiments/${e.id}`} className={`font-medium ${linkClass}`}>
                    {e.name}
                  </Link>
                  {e.description ? <span className="ml-2 text-xs text-zinc-500">{e.description}</span> : null}
                </Td>
                <Td>
                  <Link href={`/projects/${e.projectId}`} className="hover:underline">
                    {e.projectName}
                  </Link>
                </Td>
                <Td className="text-right tabular-nums">{e.runCount.toLocaleString()}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400" title={e.lastRunAt ?? undefined}>
                  {e.lastRunAt ? formatRelative(e.lastRunAt) : "no runs"}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
