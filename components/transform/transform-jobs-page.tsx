"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { formatRelative } from "@/lib/format";
import { transformProgress } from "@/lib/transform-jobs";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { linkClass } from "@/components/ui/link";
import { TransformProgress, TransformStatusBadge } from "@/components/transform/transform-status";
import { useTransformJobs } from "@/components/transform/use-transform-jobs";
import { useProjects } from "@/components/projects/use-projects";
import { controlClass } from "@/components/ui/field";

/** Batch transforms in one project (?projectId=) or every project the caller may read models in, newest first. */
export function TransformJobsPage({ projectId }: { projectId?: string }) {
  const router = useRouter();
  const projects = useProjects();
  const { data, error, isLoading } = useTransformJobs(projectId);
  return (
    <>
      <PageHeader
        title="Batch transforms"
        description="A model version's predictions for every record of a dataset version, written as a new dataset version."
        actions={
          <label className="flex items-center gap-2 text-xs font-medium text-zinc-700 dark:text-zinc-300">
            Show
            <select
              aria-label="Show batch transforms of"
              value={projectId ?? ""}
              onChange={(e) => router.replace(e.target.value ? `/transform-jobs?projectId=${encodeURIComponent(e.target.value)}` : "/transform-jobs")}
              className={controlClass}
            >
              <option value="">All projects</option>
              {(projects.data ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
        }
      />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading batch transforms…</p> : null}
      {data && data.length === 0 ? (
        <EmptyState title="No batch transforms yet">
          Open a model version in the{" "}
          <Link href="/models" className={linkClass}>
            model registry
          </Link>{" "}
          and press <strong>Batch transform</strong>.
        </EmptyState>
      ) : null}
      {data && data.length > 0 ? (
        <Table label="Batch transforms">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Status</Th>
              <Th className="w-56">Progress</Th>
              <Th>Model</Th>
              <Th>Input → output</Th>
              <Th>Project</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((job) => (
              <tr key={job.id}>
                <Td className="whitespace-nowrap">
                  <Link href={`/transform-jobs/${job.id}`} className={`font-medium ${linkClass}`}>
                    {job.name}
                  </Link>
                </Td>
                <Td>
                  <TransformStatusBadge status={job.status} reason={job.failureReason} />
                </Td>
                <Td>
                  <TransformProgress fraction={transformProgress(job)} label={`Progress of ${job.name}`} />
                </Td>
                <Td className="text-xs">
                  {job.modelVersion.modelName} v{job.modelVersion.version}
                </Td>
                <Td className="text-xs">
                  {job.input.datasetName} v{job.input.version} → {job.output ? `${job.output.datasetName} v${job.output.version}` : job.outputDatasetName}
                </Td>
                <Td>{job.projectName}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400" title={job.createdAt}>
                  {formatRelative(job.createdAt)}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
