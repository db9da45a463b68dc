"use client";

import Link from "next/link";
import { EmptyState, ErrorNotice } from "@/components/ui/card";
import { useJobs } from "@/components/jobs/use-jobs";
import { JobsTable } from "@/components/jobs/jobs-page";
import { linkClass } from "@/components/ui/link";

const SHOWN = 10;

/** A project's training jobs on its page: the latest ten, followed while any is active. */
export function ProjectJobsPanel({ projectId, canWrite }: { projectId: string; canWrite: boolean }) {
  const { data: jobs, error, isLoading } = useJobs(projectId);
  return (
    <section aria-label="Training jobs" className="mb-8">
      <div className="mb-2 flex items-center gap-3">
        <h2 className="text-sm font-semibold">Training jobs</h2>
        {canWrite ? (
          <Link href={`/jobs/new?projectId=${projectId}`} className="inline-flex h-7 items-center rounded-md bg-sky-600 px-2.5 text-xs font-medium text-white hover:bg-sky-700">
            New training job
          </Link>
        ) : null}
        {jobs && jobs.length > SHOWN ? (
          <Link href="/jobs" className={`text-xs ${linkClass}`}>
            All {jobs.length} jobs →
          </Link>
        ) : null}
      </div>
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading training jobs…</p> : null}
      {jobs && jobs.length === 0 ? (
        <EmptyState title="No training jobs yet">{canWrite ? "Train a built-in algorithm on a dataset, or run a script or notebook as a job." : "Nobody has trained anything in this project yet."}</EmptyState>
      ) : null}
      {jobs && jobs.length > 0 ? <JobsTable jobs={jobs.slice(0, SHOWN)} showProject={false} /> : null}
    </section>
  );
}
