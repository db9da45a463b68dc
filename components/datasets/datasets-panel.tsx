"use client";

import Link from "next/link";
import { useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { formatBytes, formatRelative } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNotice } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { DatasetStatus } from "@/components/datasets/dataset-status";
import { uploadDataset, useDatasets } from "@/components/datasets/use-datasets";

/** A project's datasets: upload a file as a new dataset or a new version of one, and open them. */
export function DatasetsPanel({ projectId, canWrite }: { projectId: string; canWrite: boolean }) {
  const { data: datasets, error, isLoading } = useDatasets(projectId);
  const queryClient = useQueryClient();
  const fileInput = useRef<HTMLInputElement>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<unknown>(null);

  async function upload(file: File) {
    setUploadError(null);
    setProgress(0);
    try {
      await uploadDataset(projectId, file, target ?? file.name.replace(/\.(csv|tsv|jsonl|ndjson|parquet|zip)$/i, ""), setProgress);
      await queryClient.invalidateQueries({ queryKey: queryKeys.datasets.byProject(projectId) });
    } catch (e) {
      setUploadError(e);
    } finally {
      setProgress(null);
      setTarget(null);
      if (fileInput.current) fileInput.current.value = "";
    }
  }

  const pick = (datasetName: string | null) => {
    setTarget(datasetName);
    fileInput.current?.click();
  };

  return (
    <section aria-label="Datasets">
      <div className="mb-2 flex flex-wrap items-center gap-2">
        {canWrite ? (
          <>
            <Button size="sm" onClick={() => pick(null)} busy={progress !== null && target === null}>
              Upload dataset
            </Button>
            <input
              ref={fileInput}
              type="file"
              aria-label="Dataset file"
              accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,.parquet,.zip"
              className="hidden"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void upload(file);
              }}
            />
            <span className="text-xs text-zinc-500">CSV, JSON Lines, Parquet, or a zip of images/text files. Uploading an existing name adds a version.</span>
          </>
        ) : null}
        {progress !== null ? (
          <span className="text-xs text-zinc-600" role="status">
            Uploading… {Math.round(progress * 100)}%
          </span>
        ) : null}
      </div>
      <div className="mb-2">
        <ErrorNotice error={uploadError ?? error} />
      </div>
      {isLoading ? <p className="text-sm text-zinc-500">Loading datasets…</p> : null}
      {datasets && datasets.length === 0 ? <EmptyState title="No datasets yet">{canWrite ? "Upload a file to create the first one." : "Nothing has been uploaded to this project."}</EmptyState> : null}
      {datasets && datasets.length > 0 ? (
        <Table label="Datasets">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Latest version</Th>
              <Th>Format</Th>
              <Th>Rows / files</Th>
              <Th>Size</Th>
              <Th>Status</Th>
              <Th>Updated</Th>
              {canWrite ? <Th className="text-right">Actions</Th> : null}
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => (
              <tr key={d.id}>
                <Td>
                  <Link href={`/datasets/${d.id}`} className="font-medium text-sky-700 hover:underline">
                    {d.name}
                  </Link>
                </Td>
                <Td>v{d.latest?.version ?? "–"} <span className="text-xs text-zinc-500">of {d.versionCount}</span></Td>
                <Td className="uppercase">{d.latest?.format ?? "–"}</Td>
                <Td>{d.latest?.rowCount?.toLocaleString() ?? "–"}</Td>
                <Td>{d.latest ? formatBytes(d.latest.sizeBytes) : "–"}</Td>
                <Td>{d.latest ? <DatasetStatus version={d.latest} /> : null}</Td>
                <Td>{formatRelative(d.updatedAt)}</Td>
                {canWrite ? (
                  <Td className="text-right">
                    <Button size="sm" variant="secondary" onClick={() => pick(d.name)}>
                      Upload new version
                    </Button>
                  </Td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </section>
  );
}
