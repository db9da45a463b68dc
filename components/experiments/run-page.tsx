"use client";

import Link from "next/link";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { formatMetric } from "@/lib/metric-values";
import { formatBytes, formatDateTime, formatDuration } from "@/lib/format";
import { Card, EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { Detail, Section } from "@/components/ui/section";
import { RegisterModelButton } from "@/components/models/register-model-dialog";
import { MetricChart } from "@/components/experiments/metric-chart";
import { runColor, runDurationMs, RunStatusBadge } from "@/components/experiments/run-status";
import { useMetricHistory, useRun, useRunProject, type RunArtifactView, type RunDetail, type StepRange } from "@/components/experiments/use-experiments";
import { linkClass } from "@/components/ui/link";

/** Mounts its children once they come near the viewport: a run with 50 metrics fetches only what is seen. */
function WhenVisible({ children, height }: { children: ReactNode; height: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setSeen(true), { rootMargin: "300px" });
    observer.observe(el);
    return () => observer.disconnect();
  }, [seen]);
  return <div ref={ref}>{seen ? children : <div style={{ height }} className="rounded-lg border border-zinc-200 dark:border-zinc-800" />}</div>;
}

function RunMetricChart({ run, metricKey }: { run: RunDetail; metricKey: string }) {
  const [range, setRange] = useState<StepRange>({});
  const { data, isFetching, error } = useMetricHistory(run.id, metricKey, range, run.status === "running");
  const series = useMemo(() => (data ? [{ id: run.id, label: run.name, color: runColor(0), points: data.points }] : []), [data, run.id, run.name]);
  return (
    <>
      <MetricChart
        title={metricKey}
        series={series}
        range={range}
        onZoom={setRange}
        loading={isFetching}
        footer={
          data ? (
            <span className="tabular-nums">
              {data.inRange.toLocaleString()} points{range.minStep !== undefined ? " in range" : ""}
              {data.downsampled ? ` · drawn as ${data.points.length.toLocaleString()} (downsampled on the server; zoom in for every point)` : ""}
            </span>
          ) : null
        }
      />
      <ErrorNotice error={error} />
    </>
  );
}

function KeyValueTable({ label, values, empty }: { label: string; values: Record<string, string>; empty: string }) {
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <Table label={label}>
      <thead>
        <tr>
          <Th>Key</Th>
          <Th>Value</Th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <Td className="font-mono text-xs">{k}</Td>
            <Td className="max-w-96 font-mono text-xs break-all">{v}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function artifactUrl(runId: string, path: string) {
  return `/api/runs/${runId}/artifacts?path=${encodeURIComponent(path)}`;
}

/** Files grouped by their folder (a logged model is a folder: model/model.joblib, model/studio-model.json). */
function Artifacts({ runId, artifacts }: { runId: string; artifacts: RunArtifactView[] }) {
  if (artifacts.length === 0) return <p className="text-sm text-zinc-500">No artifacts. Log files with studio.log_artifact(path) or a model with studio.log_model(model).</p>;
  const groups = new Map<string, RunArtifactView[]>();
  for (const a of artifacts) {
    const slash = a.path.lastIndexOf("/");
    const dir = slash < 0 ? "" : a.path.slice(0, slash);
    groups.set(dir, [...(groups.get(dir) ?? []), a]);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)));
  return (
    <Table label="Artifacts">
      <thead>
        <tr>
          <Th>Path</Th>
          <Th className="text-right">Size</Th>
          <Th>Logged</Th>
          <Th className="text-right">File</Th>
        </tr>
      </thead>
      <tbody>
        {ordered.map(([dir, files]) => (
          <ArtifactGroup key={dir} runId={runId} dir={dir} files={files} />
        ))}
      </tbody>
    </Table>
  );
}

function ArtifactGroup({ runId, dir, files }: { runId: string; dir: string; files: RunArtifactView[] }) {
  const total = files.reduce((s, f) => s + f.sizeBytes, 0);
  return (
    <>
      {dir ? (
        <tr className="bg-zinc-50/70 dark:bg-zinc-800/30">
          <Td className="font-mono text-xs font-semibold" colSpan={1}>
            <span aria-hidden className="mr-1 text-zinc-400">
              ▾
            </span>
            {dir}/
          </Td>
          <Td className="text-right text-xs text-zinc-500 tabular-nums">{formatBytes(total)}</Td>
          <Td className="text-xs text-zinc-500">
            {files.length} file{files.length === 1 ? "" : "s"}
          </Td>
          <Td />
        </tr>
      ) : null}
      {files.map((f) => (
        <tr key={f.path}>
          <Td className={`font-mono text-xs ${dir ? "pl-8" : ""}`} title={`${f.path} · sha256 ${f.sha256}`}>
            {dir ? f.path.slice(dir.length + 1) : f.path}
          </Td>
          <Td className="text-right tabular-nums">{formatBytes(f.sizeBytes)}</Td>
          <Td className="text-zinc-600 dark:text-zinc-400">{formatDateTime(f.createdAt)}</Td>
          <Td className="text-right">
            <a href={artifactUrl(runId, f.path)} download className={linkClass} aria-label={`Download ${f.path}`}>
              Download
            </a>
          </Td>
        </tr>
      ))}
    </>
  );
}

function Lineage({ run }: { run: RunDetail }) {
  const items: ReactNode[] = [];
  for (const input of run.inputs) {
    items.push(
      <li key={`in-${input.datasetVersionId}`}>
        <span className="text-zinc-500">Dataset{input.channel ? ` (${input.channel} channel)` : ""}: </span>
        <Link href={`/datasets/${input.datasetId}`} className={linkClass}>
          {input.name} v{input.version}
        </Link>
      </li>,
    );
  }
  if (run.hasCode) {
    items.push(
      <li key="code">
        <span className="text-zinc-500">Code: </span>
        <a href={`/api/runs/${run.id}/code`} download className={linkClass}>
          download the snapshot that ran
        </a>
      </li>,
    );
  }
  if (run.jobId) {
    items.push(
      <li key="job">
        <span className="text-zinc-500">Training job: </span>
        <Link href={`/jobs/${run.jobId}`} className={linkClass}>
          {run.jobId}
        </Link>
      </li>,
    );
  }
  if (run.notebookId) {
    items.push(
      <li key="notebook">
        <span className="text-zinc-500">Notebook: </span>
        <Link href={`/notebooks/${run.notebookId}`} className={linkClass}>
          open the notebook that logged this run
        </Link>
      </li>,
    );
  }
  if (items.length === 0) return <p className="text-sm text-zinc-500">No recorded inputs: runs started by training jobs record their dataset versions and code.</p>;
  return <ul className="space-y-1 text-sm">{items}</ul>;
}

function SourceLink({ run }: { run: RunDetail }) {
  if (run.jobId)
    return (
      <Link href={`/jobs/${run.jobId}`} className={linkClass}>
        training job
      </Link>
    );
  if (run.notebookId)
    return (
      <Link href={`/notebooks/${run.notebookId}`} className={linkClass}>
        notebook
      </Link>
    );
  return <>{run.source === "sdk" ? "SDK (script)" : run.source}</>;
}

/** One run: what it was (header, lineage), what it logged (params, tags, metrics with charts) and what it made (artifacts). */
export function RunPage({ runId, canRegisterModels }: { runId: string; canRegisterModels: boolean }) {
  const { data: run, error, isLoading } = useRun(runId);
  const project = useRunProject(run?.projectId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading run…</p>;
  if (error || !run) return <ErrorNotice error={error ?? new Error("Run not found.")} />;
  const who = run.createdById ? (project.data?.members.find((m) => m.userId === run.createdById)?.name ?? "a former member") : "the studio";
  const metricKeys = Object.keys(run.metrics).sort((a, b) => a.localeCompare(b));
  // A folder the SDK's log_model or a built-in algorithm wrote (its studio-model.json).
  const modelFolder = run.artifacts.find((a) => a.path.endsWith("/studio-model.json"))?.path.replace(/\/studio-model\.json$/, "") ?? null;
  return (
    <>
      <PageHeader
        title={run.name}
        description={
          <>
            Run in{" "}
            <Link href={`/experiments/${run.experimentId}`} className={linkClass}>
              {run.experimentName}
            </Link>
            <span className="ml-2 font-mono text-xs text-zinc-500">{run.id}</span>
          </>
        }
      />
      <Card className="mb-8 p-4">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
          <Detail label="Status">
            <RunStatusBadge status={run.status} />
          </Detail>
          <Detail label="Experiment">
            <Link href={`/experiments/${run.experimentId}`} className={linkClass}>
              {run.experimentName}
            </Link>
          </Detail>
          <Detail label="Started">{formatDateTime(run.startedAt)}</Detail>
          <Detail label={run.endedAt ? "Duration" : "Running for"}>{formatDuration(runDurationMs(run))}</Detail>
          <Detail label="Created by">{who}</Detail>
          <Detail label="Host">{run.hostName ?? "–"}</Detail>
          <Detail label="Source">
            <SourceLink run={run} />
          </Detail>
          <Detail label="Ended">{run.endedAt ? formatDateTime(run.endedAt) : run.status === "running" ? "still running" : "–"}</Detail>
        </dl>
      </Card>

      <Section title="Metric charts" count={metricKeys.length}>
        {metricKeys.length === 0 ? (
          <EmptyState title="No metrics logged">Log them with studio.log_metric(&quot;loss&quot;, 0.5, step=step).</EmptyState>
        ) : (
          <div className="grid gap-4 lg:grid-cols-2">
            {metricKeys.map((k, i) =>
              i < 6 ? (
                <RunMetricChart key={k} run={run} metricKey={k} />
              ) : (
                <WhenVisible key={k} height={300}>
                  <RunMetricChart run={run} metricKey={k} />
                </WhenVisible>
              ),
            )}
          </div>
        )}
      </Section>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Metrics" count={metricKeys.length}>
          {metricKeys.length === 0 ? (
            <p className="text-sm text-zinc-500">No metrics.</p>
          ) : (
            <Table label="Metrics">
              <thead>
                <tr>
                  <Th>Key</Th>
                  <Th className="text-right">Latest</Th>
                  <Th className="text-right">Min</Th>
                  <Th className="text-right">Max</Th>
                  <Th className="text-right">Step</Th>
                  <Th className="text-right">Points</Th>
                </tr>
              </thead>
              <tbody>
                {metricKeys.map((k) => {
                  const m = run.metrics[k];
                  const bad = typeof m.latest === "string";
                  return (
                    <tr key={k}>
                      <Td className="font-mono text-xs">{k}</Td>
                      <Td className={`text-right font-mono text-xs tabular-nums ${bad ? "text-red-600 dark:text-red-400" : ""}`}>{formatMetric(m.latest)}</Td>
                      <Td className="text-right font-mono text-xs tabular-nums">{formatMetric(m.min)}</Td>
                      <Td className="text-right font-mono text-xs tabular-nums">{formatMetric(m.max)}</Td>
                      <Td className="text-right text-xs tabular-nums">{m.latestStep.toLocaleString()}</Td>
                      <Td className="text-right text-xs tabular-nums">{m.count.toLocaleString()}</Td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
          )}
        </Section>
        <Section title="Params" count={Object.keys(run.params).length}>
          <KeyValueTable label="Params" values={run.params} empty="No params. Log them with studio.log_param(key, value)." />
        </Section>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Tags" count={Object.keys(run.tags).length}>
          <KeyValueTable label="Tags" values={run.tags} empty="No tags." />
        </Section>
        <Section title="Lineage">
          <Lineage run={run} />
        </Section>
      </div>

      <Section
        title="Artifacts"
        count={run.artifacts.length}
        actions={canRegisterModels && modelFolder ? <RegisterModelButton runId={run.id} projectId={run.projectId} runName={run.name} folder={modelFolder} /> : null}
      >
        <Artifacts runId={run.id} artifacts={run.artifacts} />
      </Section>
    </>
  );
}
