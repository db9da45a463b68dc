"use client";

import Link from "next/link";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { exportColumns, exportFormatLabels, exportFormats, type ExportFormat, type LabelingExportView } from "@/lib/labeling/exchange";
import type { LabelingJobView } from "@/lib/labeling/tasks";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice } from "@/components/ui/card";
import { SelectField, TextField } from "@/components/ui/field";
import { linkClass } from "@/components/ui/link";
import { StatusBadge, type StatusStyle } from "@/components/ui/status-badge";
import { useJobExports, useSaveExport } from "@/components/labeling/use-exchange";

const exportStyles: Record<LabelingExportView["status"], StatusStyle> = {
  pending: { tone: "grey", label: "Waiting", live: true },
  running: { tone: "blue", label: "Writing", live: true },
  completed: { tone: "green", label: "Saved", live: false },
  failed: { tone: "red", label: "Failed", live: false },
};

const extension: Record<ExportFormat, string> = { "groundtruth-manifest": "manifest", csv: "csv", jsonl: "jsonl" };

/**
 * A job's labels out: a download per format (streamed, any size), and saving one as the next
 * version of a dataset of the project (written by the worker, then validated and profiled like an
 * upload), with its progress and a link to the version.
 */
export function JobExports({ job, canManage }: { job: LabelingJobView; canManage: boolean }) {
  const [open, setOpen] = useState(false);
  if (job.counts.consolidated === 0) return <p className="text-sm text-zinc-500">Exports appear once items have consolidated labels.</p>;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-sm text-zinc-600 dark:text-zinc-400">Download {job.counts.consolidated.toLocaleString()} labels:</span>
        {exportFormats
          .filter((f) => f === "groundtruth-manifest" || job.taskType !== "bounding-box")
          .map((f) => (
          <a
            key={f}
            href={`/api/labeling/jobs/${job.id}/export?format=${f}`}
            download={`${job.name}.${extension[f]}`}
            className="rounded-md border border-zinc-300 px-2.5 py-1 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            {exportFormatLabels[f]}
          </a>
        ))}
        {job.taskType === "bounding-box" ? (
          <a href={`/api/labeling/jobs/${job.id}/export/coco`} download={`${job.name}-coco.json`} className="rounded-md border border-zinc-300 px-2.5 py-1 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
            COCO
          </a>
        ) : null}
        {canManage ? (
          <Button size="sm" variant="secondary" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            Save as dataset version…
          </Button>
        ) : null}
      </div>
      {open ? <SaveExportForm job={job} onDone={() => setOpen(false)} /> : null}
      <details className="text-xs text-zinc-600 dark:text-zinc-400">
        <summary className="cursor-pointer">CSV and JSON Lines columns</summary>
        <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
          {Object.entries(exportColumns).map(([column, meaning]) => (
            <div key={column} className="contents">
              <dt className="font-mono">{column}</dt>
              <dd>{meaning}</dd>
            </div>
          ))}
        </dl>
      </details>
      <SavedExports jobId={job.id} />
    </div>
  );
}

function SaveExportForm({ job, onDone }: { job: LabelingJobView; onDone: () => void }) {
  const save = useSaveExport(job.id);
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [dataset, setDataset] = useState("");
  const issue = (path: string) => (save.error instanceof ApiError ? save.error.issueFor(path) : undefined);
  return (
    <Card className="p-4">
      <form
        aria-label="Save as dataset version"
        className="grid grid-cols-[12rem_1fr_auto] items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ format, ...(dataset.trim() ? { datasetName: dataset.trim() } : {}) }, { onSuccess: onDone });
        }}
      >
        <SelectField label="Format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} error={issue("format")}>
          {exportFormats
          .filter((f) => f === "groundtruth-manifest" || job.taskType !== "bounding-box")
          .map((f) => (
            <option key={f} value={f}>
              {exportFormatLabels[f]}
            </option>
          ))}
        </SelectField>
        <TextField label="Dataset" value={dataset} placeholder={`${job.name}-labels`} onChange={(e) => setDataset(e.target.value)} error={issue("datasetName")} hint="Its next version; a new dataset if none has this name." />
        <Button type="submit" busy={save.isPending}>
          Save
        </Button>
      </form>
      <ErrorNotice error={save.error instanceof ApiError && save.error.issues.length ? null : save.error} />
    </Card>
  );
}

function SavedExports({ jobId }: { jobId: string }) {
  const { data, error } = useJobExports(jobId);
  if (error) return <ErrorNotice error={error} />;
  if (!data || data.length === 0) return null;
  return (
    <ul aria-label="Saved exports" className="space-y-1.5 text-sm">
      {data.map((e) => {
        const share = e.itemsTotal > 0 ? e.itemsDone / e.itemsTotal : 0;
        return (
          <li key={e.id} data-testid={`export-${e.id}`} className="flex flex-wrap items-center gap-2">
            <StatusBadge status={e.status} styles={exportStyles} reason={e.statusReason} />
            <span>
              {exportFormatLabels[e.format]} → <span className="font-medium">{e.datasetName}</span>
            </span>
            {e.status === "running" || e.status === "pending" ? (
              <span className="flex items-center gap-2" title={`${e.itemsDone} of ${e.itemsTotal} items written`}>
                <span className="h-1.5 w-24 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
                  <span className="block h-full bg-sky-600" style={{ width: `${Math.round(share * 100)}%` }} />
                </span>
                <span className="text-xs tabular-nums">
                  {e.itemsDone.toLocaleString()} / {e.itemsTotal.toLocaleString()} items
                </span>
              </span>
            ) : null}
            {e.version ? (
              <Link href={`/datasets/${e.version.datasetId}?version=${e.version.version}`} className={linkClass}>
                {e.datasetName} v{e.version.version}
              </Link>
            ) : null}
            {e.version ? <span className="text-xs text-zinc-500">{e.version.status === "processing" ? "validating and profiling…" : e.version.status}</span> : null}
            {e.status === "completed" ? <span className="text-xs text-zinc-500">{e.itemsDone.toLocaleString()} items</span> : null}
            {e.status === "failed" ? <span className="text-xs text-red-700 dark:text-red-300">{e.statusReason}</span> : null}
            <span className="ml-auto text-xs text-zinc-500">{formatDateTime(e.createdAt)}</span>
          </li>
        );
      })}
    </ul>
  );
}
