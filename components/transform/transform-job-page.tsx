"use client";

import Link from "next/link";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/format";
import { terminalTransformStatuses, transformProgress, type TransformJobDetail } from "@/lib/transform-jobs";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice, FormError, PageHeader } from "@/components/ui/card";
import { linkClass } from "@/components/ui/link";
import { Detail, Section } from "@/components/ui/section";
import { Table, Td, Th } from "@/components/ui/table";
import { TransformProgress, TransformStatusBadge } from "@/components/transform/transform-status";
import { useStopTransformJob, useTransformJob } from "@/components/transform/use-transform-jobs";
import { useNow } from "@/components/jobs/job-status";

function recordsText(job: TransformJobDetail): string {
  const done = job.recordsDone.toLocaleString();
  return job.recordsTotal !== null ? `${done} of ${job.recordsTotal.toLocaleString()} records` : `${done} records`;
}

function Settings({ job }: { job: TransformJobDetail }) {
  const c = job.config;
  const rows: [string, string][] = [
    ["ContentType", c.contentType],
    ["SplitType", c.splitType],
    ["BatchStrategy", c.splitType === "None" ? `${c.batchStrategy} (unused: the whole file is one request)` : c.batchStrategy],
    ["MaxPayloadInMB", String(c.maxPayloadInMB)],
    ["AssembleWith", c.assembleWith],
    ["Accept", c.accept],
    ["JoinSource", c.joinSource],
    ["InputFilter", c.inputFilter],
    ["OutputFilter", c.outputFilter],
  ];
  return (
    <Table label="Settings">
      <thead>
        <tr>
          <Th>Setting</Th>
          <Th>Value</Th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([key, value]) => (
          <tr key={key}>
            <Td className="font-mono text-xs">{key}</Td>
            <Td className="font-mono text-xs">{value}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** One batch transform: status and progress, where it reads and writes, its settings and the output's first lines. */
export function TransformJobPage({ jobId, canWrite }: { jobId: string; canWrite: boolean }) {
  const { data: job, error, isLoading } = useTransformJob(jobId);
  const stop = useStopTransformJob(jobId);
  const now = useNow(Boolean(job && !terminalTransformStatuses.includes(job.status)));
  if (isLoading) return <p className="text-sm text-zinc-500">Loading batch transform…</p>;
  if (error || !job) return <ErrorNotice error={error ?? new Error("Batch transform not found.")} />;
  const ended = terminalTransformStatuses.includes(job.status);
  const elapsed = job.startedAt ? (job.endedAt ? Date.parse(job.endedAt) : now) - Date.parse(job.startedAt) : null;
  const outputHref = job.output ? `/datasets/${job.output.datasetId}?version=${job.output.version}` : null;
  return (
    <>
      <PageHeader
        title={job.name}
        description={<>Batch transform in {job.projectName}</>}
        actions={
          canWrite && !ended ? (
            <Button
              variant="danger"
              busy={stop.isPending || job.status === "Stopping"}
              onClick={() => {
                if (window.confirm(`Stop ${job.name}? The predictions written so far are discarded.`)) stop.mutate();
              }}
            >
              Stop
            </Button>
          ) : null
        }
      />
      <FormError error={stop.error} />
      <Card className="mb-8 space-y-4 p-4">
        <div className="flex flex-wrap items-center gap-3">
          <TransformStatusBadge status={job.status} reason={job.failureReason} />
          <div className="min-w-64 flex-1">
            <TransformProgress fraction={transformProgress(job)} label="Progress" detail={`${recordsText(job)} · ${formatBytes(job.bytesDone)} of ${formatBytes(job.bytesTotal)}`} />
          </div>
        </div>
        {job.status === "Failed" && job.failureReason ? (
          <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
            <p className="font-medium">The transform failed</p>
            <p className="mt-1 font-mono text-xs whitespace-pre-wrap">{job.failureReason}</p>
          </div>
        ) : null}
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
          <Detail label="Model">
            <Link href={`/models/versions/${job.modelVersion.id}`} className={linkClass}>
              {job.modelVersion.modelName} v{job.modelVersion.version}
            </Link>
          </Detail>
          <Detail label="Input">
            <Link href={`/datasets/${job.input.datasetId}?version=${job.input.version}`} className={linkClass}>
              {job.input.datasetName} v{job.input.version}
            </Link>{" "}
            <span className="text-xs text-zinc-500">{job.input.filename}</span>
          </Detail>
          <Detail label="Output">
            {outputHref && job.output ? (
              <>
                <Link href={outputHref} className={linkClass}>
                  {job.output.datasetName} v{job.output.version}
                </Link>{" "}
                <span className="text-xs text-zinc-500">{job.output.status === "processing" ? "profiling…" : job.output.status === "failed" ? "refused" : job.outputFilename}</span>
              </>
            ) : (
              <span className="text-zinc-600 dark:text-zinc-400">
                {ended ? "none" : `next version of ${job.outputDatasetName}`}
              </span>
            )}
          </Detail>
          <Detail label="Created by">{job.createdBy ?? "–"}</Detail>
          <Detail label="Created">{formatDateTime(job.createdAt)}</Detail>
          <Detail label="Started">{formatDateTime(job.startedAt)}</Detail>
          <Detail label={ended ? "Took" : "Running for"}>{formatDuration(elapsed)}</Detail>
          <Detail label="Attempts">{job.attempts > 1 ? `${job.attempts} (resumed from its checkpoint)` : String(job.attempts)}</Detail>
        </dl>
        {job.output?.status === "failed" ? <p className="text-sm text-red-700 dark:text-red-400">The output version was refused: {job.output.statusReason}</p> : null}
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Settings">
          <Settings job={job} />
        </Section>
        <Section title="Output preview" count={job.preview?.length}>
          {job.preview ? (
            <pre aria-label="First lines of the output" tabIndex={0} className="max-h-96 overflow-auto rounded-lg border border-zinc-200 bg-zinc-50 p-3 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-900">
              {job.preview.join("\n")}
            </pre>
          ) : (
            <p className="text-sm text-zinc-500">{job.status === "Completed" ? "The output is being stored…" : ended ? "No output." : "The first lines appear here when the transform completes."}</p>
          )}
        </Section>
      </div>
    </>
  );
}
