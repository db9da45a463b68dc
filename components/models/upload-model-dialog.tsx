"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { can } from "@/lib/roles";
import { columnTypes, frameworkLabels, frameworks, tasks, uploadExtensions, type Framework, type SignatureColumn, type Task } from "@/lib/model-registry";
import { Button } from "@/components/ui/button";
import { ErrorNotice } from "@/components/ui/card";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { SelectField, TextField, controlClass } from "@/components/ui/field";
import { useProjects } from "@/components/projects/use-projects";
import { uploadModelFile, useRegisterModelVersion } from "@/components/models/use-models";

const taskLabels: Record<Task, string> = {
  binary_classification: "Binary classification",
  multiclass_classification: "Multiclass classification",
  regression: "Regression",
  clustering: "Clustering",
};

/** "name type" per line (type defaults to float); what cannot be read is reported by line. */
export function parseColumns(text: string): { columns: SignatureColumn[]; error: string | null } {
  const columns: SignatureColumn[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    const [name, type = "float", ...rest] = line.split(/[\s:,]+/);
    if (rest.length || !(columnTypes as readonly string[]).includes(type)) {
      return { columns, error: `Line ${i + 1}: write "name type" with type one of ${columnTypes.join(", ")}.` };
    }
    columns.push({ name, type: type as SignatureColumn["type"] });
  }
  return { columns, error: columns.length ? null : "Name at least one input column." };
}

export function UploadModelButton({ isStudioAdmin }: { isStudioAdmin: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button onClick={() => setOpen(true)}>Upload model</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Upload a model">
        <UploadForm isStudioAdmin={isStudioAdmin} onCancel={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function UploadForm({ isStudioAdmin, onCancel }: { isStudioAdmin: boolean; onCancel: () => void }) {
  const router = useRouter();
  const { data: projects } = useProjects();
  const register = useRegisterModelVersion();
  const writable = (projects ?? []).filter((p) => isStudioAdmin || (p.myRole !== null && can(p.myRole, "models:write")));
  const [projectId, setProjectId] = useState("");
  const [modelName, setModelName] = useState("");
  const [framework, setFramework] = useState<Framework>("sklearn");
  const [task, setTask] = useState<Task | "">("");
  const [file, setFile] = useState<File | null>(null);
  const [columnsText, setColumnsText] = useState("");
  const [classesText, setClassesText] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const project = projectId || writable[0]?.id || "";
  const issue = (path: string) => (error instanceof ApiError ? error.issueFor(path) : undefined);
  const columns = parseColumns(columnsText);
  const classification = task === "binary_classification" || task === "multiclass_classification";

  async function submit() {
    setError(null);
    if (!file) return setError(new Error("Choose the model file."));
    if (columns.error) return setError(new Error(columns.error));
    try {
      setProgress(0);
      const uploaded = await uploadModelFile(project, file, setProgress);
      const classes = classification && classesText.trim() ? classesText.split(",").map((c) => c.trim()).filter(Boolean).map((c) => (/^-?\d+(\.\d+)?$/.test(c) ? Number(c) : c)) : null;
      const { version } = await register.mutateAsync({
        projectId: project,
        body: { source: "upload", uploadId: uploaded.uploadId, filename: file.name, modelName: modelName.trim(), framework, task: task || null, inputs: columns.columns, classes },
      });
      router.push(`/models/versions/${version.id}`);
    } catch (e) {
      setError(e);
      setProgress(null);
    }
  }

  const columnIssue = error instanceof ApiError ? error.issues.find((i) => i.path.startsWith("inputs")) : undefined;
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {writable.length === 0 && projects ? <ErrorNotice error={new Error("You cannot register models in any project: ask a project admin for the data scientist role.")} /> : null}
      <div className="grid grid-cols-2 gap-3">
        <SelectField label="Project" value={project} onChange={(e) => setProjectId(e.target.value)}>
          {writable.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <TextField label="Model name" value={modelName} onChange={(e) => setModelName(e.target.value)} error={issue("modelName")} required />
        <SelectField label="Framework" value={framework} onChange={(e) => setFramework(e.target.value as Framework)} error={issue("framework")}>
          {frameworks.map((f) => (
            <option key={f} value={f}>
              {frameworkLabels[f]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Task" value={task} onChange={(e) => setTask(e.target.value as Task | "")}>
          <option value="">Not said</option>
          {tasks.map((t) => (
            <option key={t} value={t}>
              {taskLabels[t]}
            </option>
          ))}
        </SelectField>
      </div>
      <div className="space-y-1">
        <label htmlFor="model-file" className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Model file ({uploadExtensions[framework].join(", ")})
        </label>
        <input id="model-file" type="file" accept={uploadExtensions[framework].join(",")} onChange={(e) => setFile(e.target.files?.[0] ?? null)} className="block w-full text-sm" aria-describedby="model-file-error" />
        {issue("file") || issue("filename") ? (
          <p id="model-file-error" className="text-xs text-red-600 dark:text-red-400">
            {issue("file") ?? issue("filename")}
          </p>
        ) : null}
      </div>
      <div className="space-y-1">
        <label htmlFor="model-columns" className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Input columns, in order (one per line: name and type)
        </label>
        <textarea
          id="model-columns"
          rows={5}
          value={columnsText}
          onChange={(e) => setColumnsText(e.target.value)}
          placeholder={"sepal_length float\nsepal_width float\ncolour string"}
          className={`${controlClass} w-full font-mono`}
          aria-invalid={Boolean(columnIssue)}
        />
        <p className="text-xs text-zinc-500">{columnIssue ? <span className="text-red-600 dark:text-red-400">{columnIssue.message}</span> : `${columns.columns.length} column${columns.columns.length === 1 ? "" : "s"}; types: ${columnTypes.join(", ")}.`}</p>
      </div>
      {classification ? <TextField label="Classes, in the order of the model's probabilities (comma-separated)" value={classesText} onChange={(e) => setClassesText(e.target.value)} /> : null}
      {progress !== null ? (
        <div role="progressbar" aria-label="Upload" aria-valuenow={Math.round(progress * 100)} className="h-1.5 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
          <div className="h-full bg-sky-600" style={{ width: `${Math.round(progress * 100)}%` }} />
        </div>
      ) : null}
      <DialogFooter error={error} onCancel={onCancel} busy={progress !== null} submitLabel="Upload and register" />
    </form>
  );
}
