"use client";

import Link from "next/link";
import { useState } from "react";
import { formatBytes, formatDateTime } from "@/lib/format";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import type { ColumnProfile, DatasetProfile, HistogramBin } from "@/server/datasets/dataset-profile";
import { DatasetStatus } from "@/components/datasets/dataset-status";
import { useDataset, useDatasetVersion } from "@/components/datasets/use-datasets";

function Histogram({ bins, label }: { bins: HistogramBin[]; label: string }) {
  const max = Math.max(1, ...bins.map((b) => b.count));
  return (
    <div className="flex h-8 w-40 items-end gap-px" role="img" aria-label={label}>
      {bins.map((b, i) => (
        <div
          key={i}
          title={`${b.start.toLocaleString()} – ${b.end.toLocaleString()}: ${b.count.toLocaleString()}`}
          className="flex-1 bg-sky-500/80"
          style={{ height: `${Math.max(b.count > 0 ? 4 : 0, (b.count / max) * 100)}%` }}
        />
      ))}
    </div>
  );
}

const show = (value: number | string | null) => (value === null ? "–" : typeof value === "number" ? value.toLocaleString(undefined, { maximumFractionDigits: 4 }) : value);

function ColumnRow({ column, rows }: { column: ColumnProfile; rows: number }) {
  return (
    <tr>
      <Td className="font-mono text-xs">{column.name}</Td>
      <Td>{column.type}</Td>
      <Td>
        {column.missing.toLocaleString()}
        {rows > 0 && column.missing > 0 ? <span className="text-xs text-zinc-500"> ({((column.missing / rows) * 100).toFixed(1)}%)</span> : null}
      </Td>
      <Td>
        {column.distinct.toLocaleString()}
        {column.distinctCapped ? "+" : ""}
      </Td>
      <Td className="font-mono text-xs">{show(column.min)}</Td>
      <Td className="font-mono text-xs">{show(column.max)}</Td>
      <Td className="font-mono text-xs">{show(column.mean)}</Td>
      <Td>
        {column.histogram ? (
          <Histogram bins={column.histogram} label={`Distribution of ${column.name}`} />
        ) : column.topValues ? (
          <span className="text-xs text-zinc-600">
            {column.topValues
              .slice(0, 3)
              .map((t) => `${t.value} (${t.count.toLocaleString()})`)
              .join(", ")}
          </span>
        ) : null}
      </Td>
    </tr>
  );
}

function ProfileView({ profile }: { profile: DatasetProfile }) {
  if (profile.kind === "files") {
    return (
      <>
        <p className="mb-2 text-sm text-zinc-600">
          {profile.fileCount.toLocaleString()} files, {formatBytes(profile.totalBytes)} uncompressed ·{" "}
          {profile.byExtension.map((e) => `${e.count.toLocaleString()} ${e.extension || "(no extension)"}`).join(", ")}
        </p>
        <Table label="Files">
          <thead>
            <tr>
              <Th>Path</Th>
              <Th>Size</Th>
            </tr>
          </thead>
          <tbody>
            {profile.sample.map((f) => (
              <tr key={f.path}>
                <Td className="font-mono text-xs">{f.path}</Td>
                <Td>{formatBytes(f.bytes)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </>
    );
  }
  const columns = profile.columns.map((c) => c.name);
  return (
    <>
      <h3 className="mb-2 text-sm font-semibold">
        Schema and statistics <span className="font-normal text-zinc-500">· {profile.rowCount.toLocaleString()} rows · {profile.columns.length} columns</span>
      </h3>
      <Table label="Columns">
        <thead>
          <tr>
            <Th>Column</Th>
            <Th>Type</Th>
            <Th>Missing</Th>
            <Th>Distinct</Th>
            <Th>Min</Th>
            <Th>Max</Th>
            <Th>Mean</Th>
            <Th>Distribution</Th>
          </tr>
        </thead>
        <tbody>
          {profile.columns.map((c) => (
            <ColumnRow key={c.name} column={c} rows={profile.rowCount} />
          ))}
        </tbody>
      </Table>
      <h3 className="mt-6 mb-2 text-sm font-semibold">First rows</h3>
      <Table label="First rows">
        <thead>
          <tr>
            {columns.map((c) => (
              <Th key={c} className="normal-case">
                {c}
              </Th>
            ))}
          </tr>
        </thead>
        <tbody>
          {profile.sampleRows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <Td key={c} className="max-w-64 truncate font-mono text-xs">
                  {row[c] === null || row[c] === undefined ? <span className="text-zinc-400">–</span> : typeof row[c] === "object" ? JSON.stringify(row[c]) : String(row[c])}
                </Td>
              ))}
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}

/** A dataset: its versions (old ones stay usable) and the selected version's schema, statistics and first rows. */
export function DatasetPage({ datasetId, initialVersion = null }: { datasetId: string; initialVersion?: number | null }) {
  const { data: dataset, error, isLoading } = useDataset(datasetId);
  // ?version=N (links from elsewhere, e.g. a batch transform's output) opens that version.
  const [chosen, setChosen] = useState<number | null>(initialVersion);
  const selected = chosen ?? dataset?.versions[0]?.version ?? null;
  const { data: version, error: versionError } = useDatasetVersion(datasetId, selected);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading dataset…</p>;
  if (error || !dataset) return <ErrorNotice error={error ?? new Error("Dataset not found.")} />;
  return (
    <>
      <PageHeader
        title={dataset.name}
        description={
          <>
            <Link href={`/projects/${dataset.projectId}`} className="text-sky-700 hover:underline">
              Project
            </Link>
            {dataset.description ? ` · ${dataset.description}` : ""} · {dataset.versionCount} version{dataset.versionCount === 1 ? "" : "s"}
          </>
        }
      />
      <Table label="Versions">
        <thead>
          <tr>
            <Th>Version</Th>
            <Th>File</Th>
            <Th>Format</Th>
            <Th>Rows / files</Th>
            <Th>Size</Th>
            <Th>Status</Th>
            <Th>Uploaded</Th>
            <Th className="text-right">Download</Th>
          </tr>
        </thead>
        <tbody>
          {dataset.versions.map((v) => (
            <tr key={v.id} aria-selected={v.version === selected} className={v.version === selected ? "bg-sky-50/60" : undefined}>
              <Td>
                <button type="button" className="font-medium text-sky-700 hover:underline" onClick={() => setChosen(v.version)}>
                  v{v.version}
                </button>
              </Td>
              <Td className="font-mono text-xs">{v.filename}</Td>
              <Td className="uppercase">{v.format}</Td>
              <Td>{v.rowCount?.toLocaleString() ?? "–"}</Td>
              <Td>{formatBytes(v.sizeBytes)}</Td>
              <Td>
                <DatasetStatus version={v} />
              </Td>
              <Td>{formatDateTime(v.createdAt)}</Td>
              <Td className="text-right">
                {v.status !== "failed" ? (
                  <a href={`/api/datasets/${dataset.id}/versions/${v.version}/download`} className="text-sky-700 hover:underline">
                    Download
                  </a>
                ) : null}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <div className="mt-6" aria-label={selected ? `Version ${selected}` : "Version"} role="region">
        <ErrorNotice error={versionError} />
        {version?.status === "failed" ? (
          <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
            Version {version.version} ({version.filename}) was refused: {version.statusReason}
          </div>
        ) : null}
        {version?.status === "processing" ? <p className="text-sm text-zinc-500">Validating and profiling version {version.version}…</p> : null}
        {version?.status === "ready" && version.profile ? <ProfileView profile={version.profile} /> : null}
        {!selected ? <EmptyState title="No versions">Upload a file from the project page.</EmptyState> : null}
      </div>
    </>
  );
}
