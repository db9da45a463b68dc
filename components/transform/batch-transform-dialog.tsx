"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { ApiError } from "@/lib/api-client";
import type { ModelVersionView } from "@/lib/model-registry";
import {
  assembleWiths,
  batchStrategies,
  configProblems,
  contentTypeLabels,
  contentTypeOfFormat,
  DEFAULT_MAX_PAYLOAD_MB,
  MAX_PAYLOAD_MB,
  splitTypes,
  suggestInputFilter,
  transformContentTypes,
  type TransformConfig,
  type TransformContentType,
} from "@/lib/transform-jobs";
import { Button } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";
import { useDataset, useDatasets, useDatasetVersion } from "@/components/datasets/use-datasets";
import { useCreateTransformJob } from "@/components/transform/use-transform-jobs";

/** "Batch transform": this version's predictions for a dataset version, as a new dataset version. */
export function BatchTransformButton({ version }: { version: ModelVersionView }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Batch transform
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Batch transform">
        <BatchTransformForm version={version} onCancel={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

const slug = (text: string) => text.replace(/[^a-zA-Z0-9-]+/g, "-").replace(/^-+|-+$/g, "");

function BatchTransformForm({ version, onCancel }: { version: ModelVersionView; onCancel: () => void }) {
  const router = useRouter();
  const create = useCreateTransformJob();
  const datasets = useDatasets(version.projectId);
  // What the user picked or typed; until then, values follow the dataset (first dataset, newest
  // usable version, "<dataset>-predictions", an InputFilter that hands the model its columns).
  const [pickedDataset, setPickedDataset] = useState("");
  const datasetId = pickedDataset || datasets.data?.[0]?.id || "";
  const dataset = useDataset(datasetId);
  const usable = useMemo(() => (dataset.data?.versions ?? []).filter((v) => v.status === "ready" && contentTypeOfFormat[v.format]), [dataset.data]);
  const [pickedVersion, setPickedVersion] = useState<number | null>(null);
  const chosen = usable.find((v) => v.version === pickedVersion) ?? usable[0] ?? null;
  const profile = useDatasetVersion(datasetId, chosen ? chosen.version : null);

  const [name, setName] = useState(() => slug(`${version.modelName}-v${version.version}-${new Date().toISOString().slice(0, 16).replace(/\D/g, "")}`).slice(0, 63));
  const [splitType, setSplitType] = useState<TransformConfig["splitType"]>("Line");
  const [batchStrategy, setBatchStrategy] = useState<TransformConfig["batchStrategy"]>("MultiRecord");
  const [maxPayload, setMaxPayload] = useState(String(DEFAULT_MAX_PAYLOAD_MB));
  const [assembleWith, setAssembleWith] = useState<TransformConfig["assembleWith"]>("Line");
  const [splitOpen, setSplitOpen] = useState(false);
  const [join, setJoin] = useState(false);
  const [typedInputFilter, setTypedInputFilter] = useState<string | null>(null);
  const [outputFilter, setOutputFilter] = useState("$");
  const [accept, setAccept] = useState<TransformContentType | "">("");
  const [typedOutputName, setTypedOutputName] = useState<string | null>(null);

  const contentType = chosen ? (contentTypeOfFormat[chosen.format] ?? null) : null;
  const effectiveAccept = join && contentType ? contentType : accept || contentType || "text/csv";
  const outputName = typedOutputName ?? (dataset.data ? `${dataset.data.name}-predictions`.slice(0, 120) : "");
  // An input with more columns than the model takes (an id, the target): hand the model its own.
  const modelColumns = version.signature.inputs.map((c) => c.name);
  const header = profile.data?.profile?.kind === "table" ? profile.data.profile.columns.map((c) => c.name) : null;
  let suggestion: string | null = null;
  if (header && contentType === "text/csv") suggestion = suggestInputFilter(header, modelColumns);
  else if (header && contentType) {
    const extra = header.some((h) => !modelColumns.includes(h));
    suggestion = extra && modelColumns.every((c) => header.includes(c)) ? `$[${modelColumns.map((c) => `'${c}'`).join(",")}]` : null;
  }
  const inputFilter = typedInputFilter ?? suggestion ?? "$";

  const live = contentType ? configProblems({ contentType, accept: effectiveAccept, joinSource: join ? "Input" : "None", inputFilter, outputFilter }) : [];
  const issue = (path: string) => live.find((p) => p.path === path)?.message ?? (create.error instanceof ApiError ? create.error.issueFor(path) : undefined);
  const noData = datasets.data && datasets.data.length === 0;

  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (!chosen || live.length > 0) return;
        create.mutate(
          {
            projectId: version.projectId,
            body: {
              name: name.trim(),
              modelVersionId: version.id,
              datasetVersionId: chosen.id,
              splitType,
              batchStrategy,
              maxPayloadInMB: Number(maxPayload),
              assembleWith,
              accept: effectiveAccept,
              joinSource: join ? "Input" : "None",
              inputFilter: inputFilter.trim() || "$",
              outputFilter: outputFilter.trim() || "$",
              outputDatasetName: outputName.trim(),
            },
          },
          { onSuccess: ({ job }) => router.push(`/transform-jobs/${job.id}`) },
        );
      }}
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {version.modelName} version {version.version} predicts every record of a dataset version; the predictions become a new version of a dataset.
      </p>
      <TextField label="Job name" value={name} onChange={(e) => setName(e.target.value)} error={issue("name")} required />
      {noData ? <p className="text-sm text-amber-700 dark:text-amber-400">This project has no datasets yet: upload a CSV or JSON Lines file first.</p> : null}
      <div className="grid grid-cols-2 gap-3">
        <SelectField label="Input dataset" value={datasetId} onChange={(e) => {
            setPickedDataset(e.target.value);
            setPickedVersion(null);
            setTypedInputFilter(null);
            setTypedOutputName(null);
          }} required>
          {(datasets.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Version"
          value={chosen?.version ?? ""}
          onChange={(e) => {
            setPickedVersion(Number(e.target.value));
            setTypedInputFilter(null);
          }}
          error={issue("datasetVersionId")}
          hint={chosen ? `${chosen.filename} · ${contentType ? contentTypeLabels[contentType] : chosen.format}${chosen.rowCount !== null ? ` · ${chosen.rowCount.toLocaleString()} records` : ""}` : dataset.data ? "No ready CSV or JSON Lines version" : undefined}
          required
        >
          {usable.map((v) => (
            <option key={v.id} value={v.version}>
              v{v.version} ({v.format})
            </option>
          ))}
        </SelectField>
      </div>
      <details className="rounded-md border border-zinc-200 px-3 py-2 dark:border-zinc-800" open={splitOpen || Boolean(issue("maxPayloadInMB"))} onToggle={(e) => setSplitOpen(e.currentTarget.open)}>
        <summary className="cursor-pointer text-sm font-medium">
          Splitting and batching{" "}
          <span className="font-normal text-zinc-500">
            ({splitType === "Line" ? "by line" : "whole file"}, {splitType === "Line" ? `${batchStrategy}, ` : ""}up to {maxPayload || "?"} MB, assemble {assembleWith === "Line" ? "by line" : "as is"})
          </span>
        </summary>
        <div className="mt-3 mb-1 grid grid-cols-2 gap-3">
          <SelectField label="Split type" value={splitType} onChange={(e) => setSplitType(e.target.value as TransformConfig["splitType"])} hint={splitType === "Line" ? "One record per line" : "The whole file is one request"}>
            {splitTypes.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </SelectField>
          <SelectField label="Batch strategy" value={batchStrategy} onChange={(e) => setBatchStrategy(e.target.value as TransformConfig["batchStrategy"])} disabled={splitType === "None"} hint={batchStrategy === "MultiRecord" ? "Lines packed up to the payload size" : "One record per request"}>
            {batchStrategies.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </SelectField>
          <TextField label="Max payload (MB)" type="number" min={1} max={MAX_PAYLOAD_MB} value={maxPayload} onChange={(e) => setMaxPayload(e.target.value)} error={issue("maxPayloadInMB")} />
          <SelectField label="Assemble with" value={assembleWith} onChange={(e) => setAssembleWith(e.target.value as TransformConfig["assembleWith"])} hint={assembleWith === "Line" ? "Each output record on its own line" : "Responses concatenated as they come"}>
            {assembleWiths.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </SelectField>
        </div>
      </details>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-0.5" checked={join} onChange={(e) => setJoin(e.target.checked)} />
        <span>
          Join the input to each prediction (JoinSource Input)
          <span className="block text-xs text-zinc-500">CSV: the prediction is appended to the input row. JSON: the input object gets it under SageMakerOutput.</span>
        </span>
      </label>
      <div className="grid grid-cols-2 gap-3">
        <TextField
          label="Input filter (JSONPath)"
          value={inputFilter}
          onChange={(e) => setTypedInputFilter(e.target.value)}
          error={issue("inputFilter")}
          hint={suggestion && inputFilter === suggestion ? `The model's ${modelColumns.length} columns of the input` : "$, $[1:], $[0,2], $.field, $['a','b']"}
          spellCheck={false}
        />
        <TextField label="Output filter (JSONPath)" value={outputFilter} onChange={(e) => setOutputFilter(e.target.value)} error={issue("outputFilter")} hint={join ? "e.g. $[0,-1]: first input column and the prediction" : "$ keeps every prediction field"} spellCheck={false} />
        <SelectField label="Output format" value={effectiveAccept} onChange={(e) => setAccept(e.target.value as TransformContentType)} disabled={join} error={issue("accept")} hint={join ? "A join keeps the input's format" : undefined}>
          {transformContentTypes.map((t) => (
            <option key={t} value={t}>
              {contentTypeLabels[t]}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Output dataset"
          value={outputName}
          onChange={(e) => setTypedOutputName(e.target.value)}
          error={issue("outputDatasetName")}
          hint={chosen ? `Its next version: ${chosen.filename}.out` : "New, or the next version of an existing one"}
          required
        />
      </div>
      <DialogFooter error={create.error} onCancel={onCancel} busy={create.isPending} submitLabel="Start transform" />
    </form>
  );
}
