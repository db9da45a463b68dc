"use client";

import Link from "next/link";
import { useDeferredValue, useMemo, useState } from "react";
import { formatDateTime, formatRelative, formatDuration } from "@/lib/format";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { isActive, useJobs, type JobView } from "@/components/jobs/use-jobs";
import { JobStatusBadge, jobDurationMs, jobSourceLabel, jobStatusOptions, reasonHeadline, useNow } from "@/components/jobs/job-status";
import { linkClass } from "@/components/ui/link";

const buttonLink = "inline-flex h-9 items-center rounded-md bg-sky-600 px-3.5 text-sm font-medium text-white hover:bg-sky-700";

export function matchesJob(job: JobView, status: string, needle: string): boolean {
  if (status === "active" ? !isActive(job) : status !== "" && job.status !== status) return false;
  if (!needle) return true;
  return [job.name, job.projectName, jobSourceLabel(job), job.hostName ?? "local", job.createdBy ?? "", job.experimentName ?? "", job.id].some((s) => s.toLowerCase().includes(needle));
}

/** The jobs table, shared by the Training jobs page and a project's page. */
export function JobsTable({ jobs, showProject }: { jobs: JobView[]; showProject: boolean }) {
  const now = useNow(jobs.some(isActive));
  return (
    <Table label="Training jobs">
      <thead>
        <tr>
          <Th>Status</Th>
          <Th>Name</Th>
          {showProject ? <Th>Project</Th> : null}
          <Th>Source</Th>
          <Th>Host</Th>
          <Th>Created by</Th>
          <Th>Started</Th>
          <Th>Duration</Th>
          <Th>Reason</Th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
            <Td>
              <JobStatusBadge job={job} />
            </Td>
            <Td>
              <Link href={`/jobs/${job.id}`} className={`font-medium whitespace-nowrap ${linkClass}`}>
                {job.name}
              </Link>
            </Td>
            {showProject ? (
              <Td>
                <Link href={`/projects/${job.projectId}`} className="hover:underline">
                  {job.projectName}
                </Link>
              </Td>
            ) : null}
            <Td className="max-w-56 truncate" title={jobSourceLabel(job)}>
              {jobSourceLabel(job)}
            </Td>
            <Td className="text-zinc-600 dark:text-zinc-400">{job.hostName ?? "local"}</Td>
            <Td className="text-zinc-600 dark:text-zinc-400">{job.createdBy ?? "–"}</Td>
            <Td className="whitespace-nowrap text-zinc-600 dark:text-zinc-400" title={formatDateTime(job.startedAt ?? job.createdAt)}>
              {job.startedAt ? formatRelative(job.startedAt, now) : <span className="text-zinc-400">created {formatRelative(job.createdAt, now)}</span>}
            </Td>
            <Td className="whitespace-nowrap tabular-nums">{formatDuration(jobDurationMs(job, now))}</Td>
            <Td className="max-w-80 truncate text-xs" title={job.statusReason ?? undefined}>
              {job.status === "failed" ? (
                <span className="font-mono text-red-700 dark:text-red-400">{reasonHeadline(job.statusReason)}</span>
              ) : isActive(job) || job.status === "stopped" ? (
                <span className="text-zinc-500">{reasonHeadline(job.statusReason)}</span>
              ) : null}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Training jobs across the user's projects, newest first; followed while any is active. */
export function JobsPage({ canWrite }: { canWrite: boolean }) {
  const { data: jobs, error, isLoading } = useJobs();
  const [status, setStatus] = useState("");
  const [q, setQ] = useState("");
  const needle = useDeferredValue(q.trim().toLowerCase());
  const shown = useMemo(() => (jobs ?? []).filter((j) => matchesJob(j, status, needle)), [jobs, status, needle]);
  const activeCount = (jobs ?? []).filter(isActive).length;
  return (
    <>
      <PageHeader
        title="Training jobs"
        description="Built-in algorithms, scripts and notebooks run on a compute host, in all your projects, newest first."
        actions={
          canWrite ? (
            <Link href="/jobs/new" className={buttonLink}>
              New training job
            </Link>
          ) : null
        }
      />
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <input aria-label="Search jobs" placeholder="Search name, project, source, host, person" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} w-80`} />
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)} className={`${controlClass} w-56`}>
          <option value="">All statuses</option>
          <option value="active">Active (pending, starting, running)</option>
          {jobStatusOptions.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {jobs ? (
          <span className="text-xs text-zinc-500" role="status">
            {shown.length === jobs.length ? `${jobs.length} ${jobs.length === 1 ? "job" : "jobs"}` : `${shown.length} of ${jobs.length} jobs`}
            {activeCount > 0 ? ` · ${activeCount} active, refreshing every 2 s` : ""}
          </span>
        ) : null}
      </div>
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading training jobs…</p> : null}
      {jobs && jobs.length === 0 ? (
        <EmptyState title="No training jobs yet">
          {canWrite ? (
            <>
              <Link href="/jobs/new" className={linkClass}>
                Create a training job
              </Link>{" "}
              from a built-in algorithm, a Python script or a notebook.
            </>
          ) : (
            "Nobody has trained anything in your projects yet."
          )}
        </EmptyState>
      ) : null}
      {jobs && jobs.length > 0 && shown.length === 0 ? <EmptyState title="No job matches">Change the search or the status filter.</EmptyState> : null}
      {shown.length > 0 ? <JobsTable jobs={shown} showProject /> : null}
    </>
  );
}
