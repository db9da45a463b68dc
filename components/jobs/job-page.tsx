"use client";

import Link from "next/link";
import { useEffect, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { queryKeys } from "@/lib/query-keys";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/format";
import { formatMetric } from "@/lib/metric-values";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { isActive, useJob, useJobRun, useStopJob, type JobView } from "@/components/jobs/use-jobs";
import { JobStatusBadge, algorithmLabels, jobDurationMs, useNow } from "@/components/jobs/job-status";
import { JobLogViewer } from "@/components/jobs/job-log-viewer";
import { MetricSparkline } from "@/components/jobs/metric-sparkline";
import { linkClass } from "@/components/ui/link";

const secondaryLink =
  "inline-flex h-9 items-center rounded-md border border-zinc-300 bg-white px-3.5 text-sm font-medium text-zinc-800 hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800";

function Facts({ title, children, className = "" }: { title: string; children: ReactNode; className?: string }) {
  return (
    <Card className={`p-4 ${className}`} aria-label={title}>
      <h2 className="mb-2 text-xs font-semibold tracking-wide text-zinc-500 uppercase">{title}</h2>
      {children}
    </Card>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex gap-3 py-0.5 text-sm">
      <dt className="w-28 shrink-0 text-zinc-500">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

/** Why a job ended, where people look first: a failed job's traceback line and last stderr lines. */
function ReasonPanel({ job }: { job: JobView }) {
  if (!job.statusReason) return null;
  if (job.status === "failed") {
    const [headline, ...rest] = job.statusReason.split("\n");
    return (
      <div role="alert" aria-label="Failure reason" className="mb-4 rounded-md border border-red-300 bg-red-50 p-3 dark:border-red-900 dark:bg-red-950/60">
        <p className="mb-1 text-xs font-semibold text-red-800 uppercase dark:text-red-300">Failed{job.exitCode !== null ? ` · exit code ${job.exitCode}` : ""}</p>
        <p className="font-mono text-sm font-semibold break-words whitespace-pre-wrap text-red-900 dark:text-red-200">{headline}</p>
        {rest.join("\n").trim() ? (
          <pre className="mt-2 max-h-64 overflow-auto font-mono text-xs whitespace-pre-wrap text-red-900/90 dark:text-red-200/90">{rest.join("\n").trim()}</pre>
        ) : null}
        <p className="mt-2 text-xs text-red-800 dark:text-red-300">Fix the code or the hyperparameters, then Clone the job to run it again.</p>
      </div>
    );
  }
  const tone =
    job.status === "stopped" || job.stopRequestedAt
      ? "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950/60 dark:text-amber-200"
      : "border-zinc-200 bg-zinc-50 text-zinc-700 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-300";
  return (
    <p role="status" aria-label="Status reason" className={`mb-4 rounded-md border px-3 py-2 text-sm ${tone}`}>
      {job.statusReason}
    </p>
  );
}

function StopDialog({ job, onClose }: { job: JobView; onClose: () => void }) {
  const stop = useStopJob(job.id);
  return (
    <Dialog open onClose={onClose} title={`Stop ${job.name}?`}>
      <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
        {job.status === "running"
          ? "The job's code is interrupted (SIGTERM, then killed after 30 s); what it logged and saved so far is kept. It ends as Stopped."
          : "The job has not started yet; it will not start."}
      </p>
      <ErrorNotice error={stop.error} />
      <div className="flex justify-end gap-2 pt-2">
        <Button variant="secondary" onClick={onClose}>
          Keep running
        </Button>
        <Button variant="danger" busy={stop.isPending} onClick={() => stop.mutate(undefined, { onSuccess: onClose })}>
          Stop job
        </Button>
      </div>
    </Dialog>
  );
}

function RunSummary({ job }: { job: JobView }) {
  const { data: run, error } = useJobRun(job.runId, isActive(job));
  // The runner uploads the model before it reports the outcome: read the run once more when the job ends.
  const queryClient = useQueryClient();
  useEffect(() => {
    if (job.runId && !isActive(job)) void queryClient.invalidateQueries({ queryKey: queryKeys.jobs.run(job.runId) });
  }, [job.runId, job.status, queryClient]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!job.runId) {
    return (
      <Facts title="Results">
        <p className="text-sm text-zinc-500">{isActive(job) ? "The job's run appears once the job runner has started." : "This job has no run: it never started."}</p>
      </Facts>
    );
  }
  const metrics = Object.entries(run?.metrics ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Facts title="Results">
      <ErrorNotice error={error} />
      <p className="mb-2 text-sm">
        Run{" "}
        <Link href={`/runs/${job.runId}`} className={linkClass}>
          {run?.name ?? job.runId}
        </Link>{" "}
        in experiment{" "}
        <Link href={`/experiments/${job.experimentId}`} className={linkClass}>
          {job.experimentName ?? job.experimentId}
        </Link>
      </p>
      <div className="grid gap-6 md:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div>
          <h3 className="mb-1 text-xs font-medium text-zinc-500">Metrics (latest)</h3>
          {metrics.length === 0 ? (
            <p className="text-sm text-zinc-500">{isActive(job) ? "No metrics logged yet." : "No metrics were logged."}</p>
          ) : (
            <table aria-label="Metrics" className="w-full text-sm">
              <tbody>
                {metrics.map(([key, m]) => (
                  <tr key={key} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                    <td className="py-1 pr-3 font-mono text-xs break-all">{key}</td>
                    <td className="py-1 text-right font-medium tabular-nums">{formatMetric(m.latest)}</td>
                    <td className="w-28 py-1 pl-3">{m.count > 1 ? <MetricSparkline runId={job.runId!} metricKey={key} follow={isActive(job)} /> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3 className="mb-1 text-xs font-medium text-zinc-500">Artifacts</h3>
          {(run?.artifacts ?? []).length === 0 ? (
            <p className="text-sm text-zinc-500">{isActive(job) ? "No files saved yet." : "No files were saved."}</p>
          ) : (
            <ul aria-label="Artifacts" className="text-sm">
              {run!.artifacts.map((a) => (
                <li key={a.path} className="flex justify-between gap-3 border-b border-zinc-100 py-1 last:border-0 dark:border-zinc-800">
                  <a href={`/api/runs/${job.runId}/artifacts?path=${encodeURIComponent(a.path)}`} download className={`font-mono text-xs ${linkClass}`}>
                    {a.path}
                  </a>
                  <span className="text-xs text-zinc-500 tabular-nums">{formatBytes(a.sizeBytes)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Facts>
  );
}

function Source({ job }: { job: JobView }) {
  return (
    <dl>
      {job.sourceType === "builtin" ? (
        <Fact label="Algorithm">Built-in {algorithmLabels[job.algorithm ?? ""] ?? job.algorithm}</Fact>
      ) : job.sourceType === "notebook" ? (
        <>
          <Fact label="Notebook">
            {job.notebookId ? (
              <Link href={`/notebooks/${job.notebookId}`} className={linkClass}>
                {job.codeFilename ?? job.notebookId}
              </Link>
            ) : (
              job.codeFilename
            )}
          </Fact>
          <Fact label="Snapshot">
            <a href={`/api/jobs/${job.id}/code`} download className={linkClass}>
              Download the notebook as run
            </a>
          </Fact>
        </>
      ) : (
        <>
          <Fact label="Code">
            <a href={`/api/jobs/${job.id}/code`} download className={`font-mono text-xs ${linkClass}`}>
              {job.codeFilename}
            </a>
          </Fact>
          {job.entryPoint ? (
            <Fact label="Entry point">
              <span className="font-mono text-xs">{job.entryPoint}</span>
            </Fact>
          ) : null}
        </>
      )}
      <Fact label="Experiment">
        <Link href={`/experiments/${job.experimentId}`} className={linkClass}>
          {job.experimentName ?? job.experimentId}
        </Link>
      </Fact>
      {job.clonedFromId ? (
        <Fact label="Cloned from">
          <Link href={`/jobs/${job.clonedFromId}`} className={linkClass}>
            {job.clonedFromId}
          </Link>
        </Fact>
      ) : null}
    </dl>
  );
}

export function JobPage({ jobId, canWrite }: { jobId: string; canWrite: boolean }) {
  const { data: job, error, isLoading } = useJob(jobId);
  const [stopping, setStopping] = useState(false);
  const active = job ? isActive(job) : false;
  const now = useNow(active);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading the training job…</p>;
  if (!job) return <ErrorNotice error={error ?? new Error("This training job does not exist or you have no access to it.")} />;
  const hyperparameters = Object.entries(job.hyperparameters);
  return (
    <>
      <header className="mb-4 flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="text-xs text-zinc-500">
            <Link href="/jobs" className="hover:underline">
              Training jobs
            </Link>{" "}
            ·{" "}
            <Link href={`/projects/${job.projectId}`} className="hover:underline">
              {job.projectName}
            </Link>
          </p>
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold tracking-tight">
            {job.name} <JobStatusBadge job={job} />
          </h1>
          <p className="mt-0.5 font-mono text-xs text-zinc-500">{job.id}</p>
        </div>
        <div className="flex items-center gap-2">
          {canWrite && active && !job.stopRequestedAt ? (
            <Button variant="danger" onClick={() => setStopping(true)}>
              Stop
            </Button>
          ) : null}
          {canWrite ? (
            <Link href={`/jobs/new?projectId=${job.projectId}&cloneFrom=${job.id}`} className={secondaryLink}>
              Clone
            </Link>
          ) : null}
        </div>
      </header>
      {error ? <ErrorNotice error={error} /> : null}
      <ReasonPanel job={job} />
      {stopping ? <StopDialog job={job} onClose={() => setStopping(false)} /> : null}

      <div className="mb-4 grid gap-4 lg:grid-cols-3">
        <Facts title="Timeline">
          <dl>
            <Fact label="Created">
              {formatDateTime(job.createdAt)}
              {job.createdBy ? <span className="text-zinc-500"> by {job.createdBy}</span> : null}
            </Fact>
            <Fact label="Started">{formatDateTime(job.startedAt)}</Fact>
            <Fact label="Ended">{formatDateTime(job.endedAt)}</Fact>
            <Fact label="Duration">
              <span className="tabular-nums">{formatDuration(jobDurationMs(job, now))}</span>
              <span className="text-zinc-500"> · limit {formatDuration(job.maxRuntimeSeconds * 1000)}</span>
            </Fact>
            <Fact label="Attempt">
              {Math.max(job.attempt, 1)} of {job.maxRetries + 1}
            </Fact>
          </dl>
        </Facts>
        <Facts title="Source">
          <Source job={job} />
        </Facts>
        <Facts title="Compute">
          <dl>
            <Fact label="Host">{job.hostName ?? "local (default)"}</Fact>
            <Fact label="Kernel">{job.kernelName ?? "host default"}</Fact>
            <Fact label="Inputs">
              {job.inputs.length === 0 ? (
                <span className="text-zinc-500">none</span>
              ) : (
                <ul aria-label="Inputs">
                  {job.inputs.map((i) => (
                    <li key={i.channel}>
                      <span className="font-mono text-xs">{i.channel}</span> ←{" "}
                      {i.datasetId ? (
                        <Link href={`/datasets/${i.datasetId}`} className={linkClass}>
                          {i.datasetName} v{i.version}
                        </Link>
                      ) : (
                        <span className="text-zinc-500">a deleted dataset version</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </Fact>
          </dl>
        </Facts>
      </div>

      <div className="mb-4 grid gap-4 lg:grid-cols-3">
        <Facts title="Hyperparameters" className="lg:col-span-1">
          {hyperparameters.length === 0 ? (
            <p className="text-sm text-zinc-500">None.</p>
          ) : (
            <table aria-label="Hyperparameters" className="w-full text-sm">
              <tbody>
                {hyperparameters.map(([k, v]) => (
                  <tr key={k} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                    <td className="py-1 pr-3 font-mono text-xs text-zinc-600 dark:text-zinc-400">{k}</td>
                    <td className="py-1 font-mono text-xs break-all">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {job.metricDefinitions.length > 0 ? (
            <>
              <h3 className="mt-3 mb-1 text-xs font-medium text-zinc-500">Metric definitions</h3>
              <table aria-label="Metric definitions" className="w-full text-xs">
                <tbody>
                  {job.metricDefinitions.map((d) => (
                    <tr key={d.Name} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
                      <td className="py-1 pr-3 font-mono">{d.Name}</td>
                      <td className="py-1 font-mono break-all text-zinc-600 dark:text-zinc-400">{d.Regex}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </Facts>
        <div className="lg:col-span-2">
          <RunSummary job={job} />
        </div>
      </div>

      <JobLogViewer jobId={job.id} active={active} waitingFor={job.statusReason} />
    </>
  );
}
