"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { Button } from "@/components/ui/button";
import { ErrorNotice, PageHeader } from "@/components/ui/card";
import { SelectField, TextField, controlClass } from "@/components/ui/field";
import { useProjects } from "@/components/projects/use-projects";
import { uploadDataset, useDatasets } from "@/components/datasets/use-datasets";
import { useImportLabels } from "@/components/labeling/use-exchange";

/**
 * "Import labels": a Ground Truth output manifest, or a CSV / JSON Lines export of this or another
 * studio, becomes a labeling job whose items already carry their labels (with confidence,
 * human-annotated and review state). The file is a dataset version of the project: picked, or
 * uploaded here first.
 */
export function ImportLabelsPage() {
  const router = useRouter();
  const importLabels = useImportLabels();
  const { data: projects } = useProjects();
  const [projectId, setProjectId] = useState("");
  const project = projectId || projects?.[0]?.id || "";
  const { data: datasets } = useDatasets(project);
  const [datasetId, setDatasetId] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [uploading, setUploading] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [attribute, setAttribute] = useState("");
  const [labels, setLabels] = useState("");
  const [threshold, setThreshold] = useState("");
  const usable = datasets?.filter((d) => d.latest && d.latest.status !== "failed" && (d.latest.format === "csv" || d.latest.format === "jsonl")) ?? [];
  const issue = (path: string) => (importLabels.error instanceof ApiError ? importLabels.error.issueFor(path) : undefined);

  const submit = async () => {
    setUploadError(null);
    let versionId = usable.find((d) => d.id === datasetId)?.latest?.id ?? "";
    if (file) {
      try {
        setUploading(0);
        const base = file.name.replace(/\.[^.]*$/, "").replace(/[/\\]/g, "-") || "imported-labels";
        versionId = (await uploadDataset(project, file, base, setUploading)).version.id;
      } catch (e) {
        return setUploadError(e);
      } finally {
        setUploading(null);
      }
    }
    importLabels.mutate(
      {
        projectId: project,
        body: {
          name: name.trim(),
          datasetVersionId: versionId,
          ...(attribute.trim() ? { labelAttributeName: attribute.trim() } : {}),
          ...(labels.trim() ? { labels: labels.split("\n").map((l) => l.trim()).filter(Boolean) } : {}),
          ...(threshold ? { reviewThreshold: Number(threshold) } : {}),
        },
      },
      { onSuccess: ({ job }) => router.push(`/labeling/${job.id}`) },
    );
  };

  return (
    <>
      <PageHeader
        title="Import labels"
        description="Bring labels made elsewhere — a SageMaker Ground Truth output manifest, or a CSV or JSON Lines export of a studio (text and label columns) — into a labeling job whose items already carry them. Unsure labels go to the review queue; the job exports like any other."
      />
      <form
        className="max-w-3xl space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="grid grid-cols-2 gap-3">
          <SelectField
            label="Project"
            value={project}
            onChange={(e) => {
              setProjectId(e.target.value);
              setDatasetId("");
            }}
          >
            {projects?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
          <TextField label="Job name" value={name} onChange={(e) => setName(e.target.value)} placeholder="sentiment-from-gt" required error={issue("name")} />
          <SelectField label="Labels file (latest version of a dataset)" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} disabled={file !== null} error={file ? undefined : issue("datasetVersionId")}>
            <option value="">Pick a dataset…</option>
            {usable.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} v{d.latest!.version} ({d.latest!.format})
              </option>
            ))}
          </SelectField>
          <label className="block space-y-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">
            <span className="block">…or upload one</span>
            <input type="file" accept=".manifest,.jsonl,.json,.csv" className={`${controlClass} w-full`} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            {file && issue("datasetVersionId") ? <span className="block text-red-600">{issue("datasetVersionId")}</span> : null}
          </label>
          <TextField label="Label attribute (manifests with several)" value={attribute} onChange={(e) => setAttribute(e.target.value)} placeholder="found in the file" error={issue("labelAttributeName")} />
          <TextField
            label="Review labels below confidence (0–1)"
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={threshold}
            placeholder="0.7"
            onChange={(e) => setThreshold(e.target.value)}
            error={issue("reviewThreshold")}
            hint="0 sends none to review. Ground Truth writes 0 for one worker per item."
          />
        </div>
        <label className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Label set in class-id order (optional: by default the names found in the file)
          <textarea rows={3} className={`${controlClass} mt-1 w-full`} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder={"positive\nnegative"} />
          {issue("labels") ? <span className="mt-1 block text-red-600">{issue("labels")}</span> : null}
        </label>
        {uploading !== null ? <p className="text-sm text-zinc-600">Uploading {Math.round(uploading * 100)}%…</p> : null}
        <ErrorNotice error={uploadError} />
        <ErrorNotice error={importLabels.error instanceof ApiError && importLabels.error.issues.length ? null : importLabels.error} />
        <Button type="submit" busy={importLabels.isPending || uploading !== null} disabled={!file && !datasetId}>
          Import labels
        </Button>
      </form>
    </>
  );
}
