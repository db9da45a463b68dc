"use client";

import { controlClass } from "@/components/ui/field";
import { useModel, useModels } from "@/components/models/use-models";

/** A model version of a model, in a select (approval and ONNX export shown beside each). */
export function VersionSelect({ modelId, value, onChange, label }: { modelId: string; value: string; onChange: (id: string) => void; label: string }) {
  const { data: model } = useModel(modelId);
  return (
    <select aria-label={label} className={`${controlClass} w-full`} value={value} onChange={(e) => onChange(e.target.value)} disabled={!modelId}>
      {!model ? <option value={value}>{modelId ? "Loading…" : "Pick a model first"}</option> : null}
      {model?.versions.map((v) => (
        <option key={v.id} value={v.id}>
          v{v.version} · {v.approvalStatus === "Approved" ? "approved" : v.approvalStatus === "Rejected" ? "rejected" : "pending approval"}
          {v.onnxStatus === "converted" ? " · ONNX" : ""}
        </option>
      ))}
    </select>
  );
}

/** A registered model of the project, in a select; picking one picks its latest version. */
export function ModelSelect({ projectId, value, onChange, label, className = "w-40" }: { projectId: string; value: string; onChange: (modelId: string, latestVersionId: string) => void; label: string; className?: string }) {
  const { data: models } = useModels({ projectId });
  return (
    <select
      aria-label={label}
      className={`${controlClass} ${className}`}
      value={value}
      onChange={(e) => {
        const model = models?.find((m) => m.id === e.target.value);
        onChange(e.target.value, model?.latestVersion?.id ?? "");
      }}
    >
      {!value ? <option value="">Pick a model…</option> : null}
      {models?.map((m) => (
        <option key={m.id} value={m.id}>
          {m.name}
        </option>
      )) ?? <option value={value}>Loading…</option>}
    </select>
  );
}
