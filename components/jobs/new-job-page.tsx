"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, ApiError } from "@/lib/api-client";
import { can } from "@/lib/roles";
import { formatBytes } from "@/lib/format";
import { queryKeys } from "@/lib/query-keys";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice, PageHeader } from "@/components/ui/card";
import { SelectField, TextField, controlClass } from "@/components/ui/field";
import { useProjects } from "@/components/projects/use-projects";
import { useHosts } from "@/components/hosts/use-hosts";
import { useDatasets, useDatasetVersion } from "@/components/datasets/use-datasets";
import { uploadJobCode, useCreateJob, useDatasetVersions, useJob, type CreateJobBody, type JobCodeUpload, type JobView } from "@/components/jobs/use-jobs";
import { algorithms, checkHyperparameter, commonNames, defaultText, describeRange, hyperparametersOf, type HyperparameterSpec } from "@/lib/algorithms";
import type { NotebookSummary } from "@/server/notebooks/notebook-view";
import { linkClass } from "@/components/ui/link";

type SourceType = JobView["sourceType"];
type Errors = Record<string, string>;

interface InputRow {
  key: number;
  channel: string;
  datasetId: string;
  version: number | null;
  datasetVersionId: string;
}

interface KeyValue {
  key: number;
  name: string;
  value: string;
}

interface MetricRow {
  key: number;
  Name: string;
  Regex: string;
}

const units = { seconds: 1, minutes: 60, hours: 3_600, days: 86_400 } as const;
type Unit = keyof typeof units;

let nextKey = 1;
const newKey = () => nextKey++;

/** Everything the form starts from: empty, or a job being cloned. */
interface Initial {
  projectId: string;
  name: string;
  experiment: string;
  sourceType: SourceType;
  algorithm: string;
  hyperparameters: Record<string, string>;
  inputs: InputRow[];
  notebookId: string;
  entryPoint: string;
  hostId: string | null;
  kernelName: string | null;
  maxRuntime: { value: string; unit: Unit };
  maxRetries: string;
  metrics: MetricRow[];
  clonedFrom: JobView | null;
}

function runtimeOf(seconds: number): { value: string; unit: Unit } {
  for (const unit of ["days", "hours", "minutes"] as const) if (seconds % units[unit] === 0) return { value: String(seconds / units[unit]), unit };
  return { value: String(seconds), unit: "seconds" };
}

function initialFrom(projectId: string | null, job: JobView | null): Initial {
  if (!job) {
    return {
      projectId: projectId ?? "",
      name: "",
      experiment: "",
      sourceType: "builtin",
      algorithm: "xgboost",
      hyperparameters: {},
      inputs: [{ key: newKey(), channel: "train", datasetId: "", version: null, datasetVersionId: "" }],
      notebookId: "",
      entryPoint: "",
      hostId: null,
      kernelName: null,
      maxRuntime: { value: "24", unit: "hours" },
      maxRetries: "0",
      metrics: [],
      clonedFrom: null,
    };
  }
  return {
    projectId: job.projectId,
    name: `${job.name}-clone`,
    experiment: job.experimentName ?? "",
    sourceType: job.sourceType,
    algorithm: job.algorithm ?? "xgboost",
    hyperparameters: job.hyperparameters,
    inputs: job.inputs.map((i) => ({ key: newKey(), channel: i.channel, datasetId: i.datasetId ?? "", version: i.version, datasetVersionId: i.datasetVersionId })),
    notebookId: job.notebookId ?? "",
    entryPoint: job.entryPoint ?? "",
    hostId: job.hostId,
    kernelName: job.kernelName,
    maxRuntime: runtimeOf(job.maxRuntimeSeconds),
    maxRetries: String(job.maxRetries),
    metrics: job.metricDefinitions.map((d) => ({ key: newKey(), ...d })),
    clonedFrom: job,
  };
}

export function NewJobPage({ initialProjectId, cloneFrom, isStudioAdmin }: { initialProjectId: string | null; cloneFrom: string | null; isStudioAdmin: boolean }) {
  const source = useJob(cloneFrom);
  if (cloneFrom && source.isLoading) return <p className="text-sm text-zinc-500">Loading the job to clone…</p>;
  if (cloneFrom && !source.data) return <ErrorNotice error={source.error ?? new Error("The job to clone does not exist or you have no access to it.")} />;
  return <JobForm initial={initialFrom(initialProjectId, source.data ?? null)} isStudioAdmin={isStudioAdmin} />;
}

function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Card className="mb-4 p-4" aria-label={title}>
      <h2 className="text-sm font-semibold">{title}</h2>
      {description ? <p className="mt-0.5 mb-3 text-xs text-zinc-500">{description}</p> : <div className="mb-3" />}
      {children}
    </Card>
  );
}

function FieldError({ message, id }: { message?: string; id?: string }) {
  return message ? (
    <p id={id} className="mt-1 text-xs text-red-600 dark:text-red-400">
      {message}
    </p>
  ) : null;
}

/** One hyperparameter of a built-in algorithm, as the catalogue describes it. */
function HyperparameterField({ spec, value, onChange, error }: { spec: HyperparameterSpec; value: string; onChange: (v: string) => void; error?: string }) {
  const hint = (
    <>
      {spec.help}
      {spec.type === "int" || spec.type === "float" ? <span className="text-zinc-400"> ({describeRange(spec)})</span> : null}
      {spec.default !== null && value !== defaultText(spec) ? <span className="text-zinc-400"> Default {defaultText(spec)}.</span> : null}
    </>
  );
  const label = `${spec.label} · ${spec.name}`;
  if (spec.type === "enum" || spec.type === "bool") {
    const options = spec.type === "bool" ? ["true", "false"] : (spec.values ?? []);
    return (
      <SelectField label={label} hint={hint} error={error} value={value} onChange={(e) => onChange(e.target.value)} data-hp={spec.name}>
        {spec.required || spec.default !== null ? null : <option value="">(not set)</option>}
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </SelectField>
    );
  }
  return (
    <TextField
      label={label}
      hint={hint}
      error={error}
      value={value}
      inputMode={spec.type === "int" || spec.type === "float" ? "decimal" : undefined}
      placeholder={spec.default === null ? "not set" : undefined}
      onChange={(e) => onChange(e.target.value)}
      data-hp={spec.name}
      className={`${controlClass} w-full font-mono`}
    />
  );
}

/** A dataset version on a channel: dataset, then one of its ready versions (latest by default). */
function InputRowEditor({
  projectId,
  row,
  fixedChannel,
  onChange,
  onRemove,
  errors,
  index,
}: {
  projectId: string;
  row: InputRow;
  fixedChannel: boolean;
  onChange: (row: InputRow) => void;
  onRemove?: () => void;
  errors: Errors;
  index: number;
}) {
  const { data: datasets } = useDatasets(projectId);
  const { data: dataset } = useDatasetVersions(row.datasetId || null);
  const ready = (dataset?.id === row.datasetId ? dataset.versions : []).filter((v) => v.status === "ready").sort((a, b) => b.version - a.version);
  // The latest ready version is chosen as soon as the dataset's versions are known.
  useEffect(() => {
    if (row.datasetId && !row.datasetVersionId && ready.length > 0) onChange({ ...row, version: ready[0].version, datasetVersionId: ready[0].id });
  }, [row, ready, onChange]);
  const error = errors[`inputs.${index}.datasetVersionId`] ?? errors[`inputs.${index}.channel`];
  return (
    <div className="flex flex-wrap items-start gap-2" data-channel={row.channel}>
      <input
        aria-label={`Channel ${index + 1}`}
        value={row.channel}
        readOnly={fixedChannel}
        onChange={(e) => onChange({ ...row, channel: e.target.value })}
        placeholder="channel"
        className={`${controlClass} w-32 font-mono ${fixedChannel ? "bg-zinc-50 dark:bg-zinc-800" : ""}`}
      />
      <select
        aria-label={`Dataset for ${row.channel || `input ${index + 1}`}`}
        value={row.datasetId}
        onChange={(e) => onChange({ ...row, datasetId: e.target.value, version: null, datasetVersionId: "" })}
        className={`${controlClass} w-60`}
      >
        <option value="">Choose a dataset…</option>
        {(datasets ?? []).map((d) => (
          <option key={d.id} value={d.id} disabled={!d.latest}>
            {d.name}
          </option>
        ))}
      </select>
      <select
        aria-label={`Version for ${row.channel || `input ${index + 1}`}`}
        value={row.datasetVersionId}
        disabled={!row.datasetId}
        onChange={(e) => {
          const v = ready.find((x) => x.id === e.target.value);
          onChange({ ...row, datasetVersionId: e.target.value, version: v?.version ?? null });
        }}
        className={`${controlClass} w-64`}
      >
        {ready.length === 0 ? <option value="">{row.datasetId ? "No ready version" : "–"}</option> : null}
        {ready.map((v) => (
          <option key={v.id} value={v.id}>
            v{v.version} · {v.format.toUpperCase()} · {v.rowCount !== null ? `${v.rowCount.toLocaleString()} rows` : formatBytes(v.sizeBytes)}
          </option>
        ))}
      </select>
      {onRemove ? (
        <Button variant="ghost" size="sm" className="mt-1" onClick={onRemove} aria-label={`Remove input ${row.channel}`}>
          Remove
        </Button>
      ) : null}
      {error ? <FieldError message={error} /> : null}
    </div>
  );
}

function KeyValueRows({ rows, setRows, errors }: { rows: KeyValue[]; setRows: (rows: KeyValue[]) => void; errors: Errors }) {
  return (
    <div className="space-y-2" aria-label="Hyperparameters" role="group">
      {rows.map((r, i) => (
        <div key={r.key} className="flex flex-wrap items-start gap-2">
          <input
            aria-label={`Hyperparameter ${i + 1} name`}
            value={r.name}
            placeholder="name, e.g. learning_rate"
            onChange={(e) => setRows(rows.map((x) => (x.key === r.key ? { ...x, name: e.target.value } : x)))}
            className={`${controlClass} w-56 font-mono`}
            aria-invalid={Boolean(errors[`hyperparameters.${r.name}`])}
          />
          <input
            aria-label={`Hyperparameter ${i + 1} value`}
            value={r.value}
            placeholder="value"
            onChange={(e) => setRows(rows.map((x) => (x.key === r.key ? { ...x, value: e.target.value } : x)))}
            className={`${controlClass} w-72 font-mono`}
          />
          <Button variant="ghost" size="sm" className="mt-1" onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
            Remove
          </Button>
          <FieldError message={errors[`hyperparameters.${r.name}`] ?? errors[`hyperparameters.${i}`]} />
        </div>
      ))}
      <Button variant="secondary" size="sm" onClick={() => setRows([...rows, { key: newKey(), name: "", value: "" }])}>
        Add hyperparameter
      </Button>
      <p className="text-xs text-zinc-500">
        Your code reads them from <span className="font-mono">/opt/ml/input/config/hyperparameters.json</span> or <span className="font-mono">studio.hyperparameters()</span>; all values are strings.
      </p>
    </div>
  );
}

/** Runs each metric definition's regex on a sample line, as the studio will on every log line. */
function testMetric(regex: string, line: string): { ok: boolean; text: string } {
  let pattern: RegExp;
  try {
    pattern = new RegExp(regex);
  } catch (e) {
    return { ok: false, text: `invalid: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}` };
  }
  const m = pattern.exec(line);
  if (!m) return { ok: false, text: "no match" };
  if (m.length < 2) return { ok: false, text: "matches, but has no capture group around the number" };
  const n = Number(m[1]);
  return Number.isFinite(n) ? { ok: true, text: `→ ${n}` } : { ok: false, text: `captured "${m[1]}", not a number` };
}

function MetricRows({ rows, setRows, errors }: { rows: MetricRow[]; setRows: (rows: MetricRow[]) => void; errors: Errors }) {
  const [sample, setSample] = useState("epoch 3: train_loss=0.4213 validation:accuracy=0.9312");
  return (
    <div className="space-y-2">
      {rows.map((r, i) => {
        const result = r.Regex ? testMetric(r.Regex, sample) : null;
        return (
          <div key={r.key} className="flex flex-wrap items-start gap-2">
            <input
              aria-label={`Metric ${i + 1} name`}
              value={r.Name}
              placeholder="validation:accuracy"
              onChange={(e) => setRows(rows.map((x) => (x.key === r.key ? { ...x, Name: e.target.value } : x)))}
              className={`${controlClass} w-48 font-mono`}
              aria-invalid={Boolean(errors[`metricDefinitions.${i}.Name`])}
            />
            <input
              aria-label={`Metric ${i + 1} regex`}
              value={r.Regex}
              placeholder="accuracy=([0-9.]+)"
              onChange={(e) => setRows(rows.map((x) => (x.key === r.key ? { ...x, Regex: e.target.value } : x)))}
              className={`${controlClass} w-72 font-mono`}
              aria-invalid={Boolean(errors[`metricDefinitions.${i}.Regex`])}
            />
            {result ? (
              <span className={`mt-1.5 font-mono text-xs ${result.ok ? "text-emerald-700 dark:text-emerald-400" : "text-zinc-500"}`} data-testid={`metric-test-${i}`}>
                {result.text}
              </span>
            ) : null}
            <Button variant="ghost" size="sm" className="mt-1" onClick={() => setRows(rows.filter((x) => x.key !== r.key))}>
              Remove
            </Button>
            <FieldError message={errors[`metricDefinitions.${i}.Name`] ?? errors[`metricDefinitions.${i}.Regex`]} />
          </div>
        );
      })}
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" size="sm" onClick={() => setRows([...rows, { key: newKey(), Name: "", Regex: "" }])}>
          Add metric definition
        </Button>
        {rows.length > 0 ? (
          <label className="flex flex-1 items-center gap-2 text-xs text-zinc-500">
            Test against a sample line
            <input aria-label="Sample log line" value={sample} onChange={(e) => setSample(e.target.value)} className={`${controlClass} min-w-64 flex-1 font-mono text-xs`} />
          </label>
        ) : null}
      </div>
      <FieldError message={errors.metricDefinitions} />
    </div>
  );
}

function TargetColumnPicker({ row, value, onChange, error }: { row: InputRow | undefined; value: string; onChange: (v: string) => void; error?: string }) {
  const { data: version, isLoading } = useDatasetVersion(row?.datasetId || "none", row?.datasetVersionId ? row.version : null);
  const columns = version?.profile?.kind === "table" ? version.profile.columns : [];
  return (
    <SelectField
      label="Target column · target"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      hint={!row?.datasetVersionId ? "Choose the training dataset first." : isLoading ? "Reading the dataset's columns…" : "The column to predict; every other column is a feature unless Feature columns says otherwise."}
    >
      <option value="">{columns.length ? "Choose the column to predict…" : "–"}</option>
      {value && !columns.some((c) => c.name === value) ? <option value={value}>{value}</option> : null}
      {columns.map((c) => (
        <option key={c.name} value={c.name}>
          {c.name} ({c.type}, {c.distinct.toLocaleString()} distinct)
        </option>
      ))}
    </SelectField>
  );
}

function JobForm({ initial, isStudioAdmin }: { initial: Initial; isStudioAdmin: boolean }) {
  const router = useRouter();
  const create = useCreateJob();
  const { data: projects } = useProjects();
  const { data: hosts } = useHosts();

  const [projectId, setProjectId] = useState(initial.projectId);
  const [name, setName] = useState(initial.name);
  const [experiment, setExperiment] = useState(initial.experiment);
  const [sourceType, setSourceType] = useState<SourceType>(initial.sourceType);
  const [algorithm, setAlgorithm] = useState(initial.algorithm);
  const [hp, setHp] = useState<Record<string, string>>(() => {
    const out: Record<string, string> = {};
    for (const spec of hyperparametersOf(initial.algorithm)) out[spec.name] = defaultText(spec);
    return initial.sourceType === "builtin" ? { ...out, ...initial.hyperparameters } : out;
  });
  const [kv, setKv] = useState<KeyValue[]>(() =>
    initial.sourceType === "builtin" ? [] : Object.entries(initial.hyperparameters).map(([n, value]) => ({ key: newKey(), name: n, value })),
  );
  const [inputs, setInputs] = useState<InputRow[]>(initial.inputs);
  const [notebookId, setNotebookId] = useState(initial.notebookId);
  const [code, setCode] = useState<JobCodeUpload | null>(null);
  const [codeProgress, setCodeProgress] = useState<{ label: string; fraction: number } | null>(null);
  const [codeError, setCodeError] = useState<unknown>(null);
  const [entryPoint, setEntryPoint] = useState(initial.entryPoint);
  const [hostChoice, setHostChoice] = useState<string | null>(initial.hostId);
  const [kernelChoice, setKernelChoice] = useState<string | null>(initial.kernelName);
  const [runtime, setRuntime] = useState(initial.maxRuntime);
  const [retries, setRetries] = useState(initial.maxRetries);
  const [metrics, setMetrics] = useState<MetricRow[]>(initial.metrics);
  const [clientErrors, setClientErrors] = useState<Errors>({});
  const fileInput = useRef<HTMLInputElement>(null);

  const writable = (projects ?? []).filter((p) => isStudioAdmin || (p.myRole !== null && can(p.myRole, "training:write")));
  const notebooks = useQuery({
    queryKey: [...queryKeys.notebooks.byProject(projectId || "none"), "for-jobs"],
    queryFn: () => api<NotebookSummary[]>(`/api/projects/${projectId}/notebooks`),
    enabled: Boolean(projectId) && sourceType === "notebook",
  });

  // Only healthy, enabled hosts can take a job; the local host is the default.
  const healthy = (hosts ?? []).filter((h) => h.enabled && h.status === "healthy");
  const defaultHost = healthy.find((h) => h.kind === "local") ?? healthy[0];
  const hostId = hostChoice ?? defaultHost?.id ?? "";
  const host = (hosts ?? []).find((h) => h.id === hostId);
  const kernelName = kernelChoice ?? host?.defaultKernel ?? host?.kernelSpecs[0]?.name ?? "";

  const serverErrors: Errors = useMemo(() => {
    const out: Errors = {};
    if (create.error instanceof ApiError) for (const i of create.error.issues) out[i.path] ??= i.message;
    return out;
  }, [create.error]);
  const errors: Errors = { ...serverErrors, ...clientErrors };
  const specs = sourceType === "builtin" ? hyperparametersOf(algorithm) : [];
  const spec = algorithms.find((a) => a.id === algorithm);

  // Cloning a script job: its code is copied into a new upload, as if the user had picked the file.
  const cloned = initial.clonedFrom;
  const copying = useRef(false);
  useEffect(() => {
    if (!cloned || cloned.sourceType !== "script" || copying.current) return;
    copying.current = true;
    void (async () => {
      try {
        const res = await fetch(`/api/jobs/${cloned.id}/code`, { credentials: "same-origin" });
        if (!res.ok) throw new Error(`The code of ${cloned.name} could not be read (${res.status}); upload it again.`);
        await uploadCode(await res.blob(), cloned.codeFilename ?? "train.py", cloned.entryPoint ?? "");
      } catch (e) {
        setCodeError(e);
      }
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cloned]);

  async function uploadCode(file: Blob, filename: string, keepEntryPoint = "") {
    setCodeError(null);
    setCode(null);
    setCodeProgress({ label: filename, fraction: 0 });
    try {
      const uploaded = await uploadJobCode(projectId, file, filename, (fraction) => setCodeProgress({ label: filename, fraction }));
      setCode(uploaded);
      if (uploaded.codeUploadId.endsWith(".zip")) {
        const preferred = [keepEntryPoint, "train.py", "main.py"].find((p) => p && uploaded.pythonFiles.includes(p)) ?? uploaded.pythonFiles[0] ?? keepEntryPoint;
        setEntryPoint(preferred);
      } else setEntryPoint("");
    } catch (e) {
      setCodeError(e);
    } finally {
      setCodeProgress(null);
      if (fileInput.current) fileInput.current.value = "";
    }
  }

  function chooseAlgorithm(id: string) {
    setAlgorithm(id);
    // Values the user typed for names both algorithms share are kept; the rest start at their defaults.
    const next: Record<string, string> = {};
    for (const s of hyperparametersOf(id)) next[s.name] = commonNames.has(s.name) && s.name in hp ? hp[s.name] : defaultText(s);
    setHp(next);
  }

  function chooseProject(id: string) {
    setProjectId(id);
    setInputs(sourceType === "builtin" ? [{ key: newKey(), channel: "train", datasetId: "", version: null, datasetVersionId: "" }] : []);
    setNotebookId("");
    setCode(null);
    setEntryPoint("");
  }

  function chooseSource(type: SourceType) {
    setSourceType(type);
    // Rows nobody filled in belong to the tab they came from.
    if (type !== "builtin") setInputs(inputs.filter((i) => i.datasetId));
    else if (!inputs.some((i) => i.channel === "train")) setInputs([{ key: newKey(), channel: "train", datasetId: "", version: null, datasetVersionId: "" }, ...inputs]);
  }

  const updateInput = (row: InputRow) => setInputs((rows) => rows.map((r) => (r.key === row.key ? row : r)));

  function validate(): Errors {
    const e: Errors = {};
    if (!projectId) e.projectId = "Choose a project.";
    if (!name.trim()) e.name = "is required";
    if (sourceType === "builtin") {
      for (const s of specs) {
        const problem = checkHyperparameter(s, hp[s.name] ?? "");
        if (problem) e[`hyperparameters.${s.name}`] = problem;
      }
      if (spec?.needs_target !== false && !inputs.some((i) => i.channel === "train" && i.datasetVersionId)) e["inputs.0.datasetVersionId"] = "Choose the training dataset.";
    }
    if (sourceType === "script" && !code) e.codeUploadId = codeProgress ? "Wait for the upload to finish." : "Upload a .py file or a .zip of a folder.";
    if (sourceType === "script" && code?.codeUploadId.endsWith(".zip") && !entryPoint.trim()) e.entryPoint = "Choose the script to run.";
    if (sourceType === "notebook" && !notebookId) e.notebookId = "Choose a notebook.";
    if (sourceType !== "builtin") {
      const seen = new Set<string>();
      kv.forEach((r, i) => {
        if (!r.name.trim() && !r.value.trim()) return;
        if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(r.name.trim())) e[`hyperparameters.${i}`] = "The name must start with a letter or _ and use letters, digits, _ . -";
        else if (seen.has(r.name.trim())) e[`hyperparameters.${i}`] = `"${r.name.trim()}" appears twice`;
        seen.add(r.name.trim());
      });
    }
    const channels = new Set<string>();
    inputs.forEach((r, i) => {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(r.channel)) e[`inputs.${i}.channel`] = "The channel must be lower-case letters, digits, _ or - (like train, validation).";
      else if (channels.has(r.channel)) e[`inputs.${i}.channel`] = `The channel "${r.channel}" appears twice.`;
      else if (!r.datasetVersionId && !e[`inputs.${i}.datasetVersionId`]) e[`inputs.${i}.datasetVersionId`] = "Choose a dataset version (or remove the row).";
      channels.add(r.channel);
    });
    const seconds = Number(runtime.value) * units[runtime.unit];
    if (!Number.isInteger(seconds) || seconds < 10 || seconds > 30 * 86_400) e.maxRuntimeSeconds = "must be between 10 seconds and 30 days";
    if (!/^[0-5]$/.test(retries)) e.maxRetries = "must be 0 to 5";
    metrics.forEach((m, i) => {
      if (!m.Name.trim()) e[`metricDefinitions.${i}.Name`] = "The metric needs a name.";
      else {
        const t = testMetric(m.Regex, "");
        if (!m.Regex) e[`metricDefinitions.${i}.Regex`] = "The regex is required.";
        else if (t.text.startsWith("invalid")) e[`metricDefinitions.${i}.Regex`] = `The regex is ${t.text}.`;
        else if (new RegExp(`${m.Regex}|`).exec("")!.length < 2) e[`metricDefinitions.${i}.Regex`] = "The regex needs a capture group around the number, like loss=([0-9.]+).";
      }
    });
    return e;
  }

  function body(): CreateJobBody {
    const hyperparameters: Record<string, string> = {};
    if (sourceType === "builtin") {
      for (const s of specs) if ((hp[s.name] ?? "").trim() !== "") hyperparameters[s.name] = hp[s.name].trim();
    } else for (const r of kv) if (r.name.trim()) hyperparameters[r.name.trim()] = r.value;
    return {
      name: name.trim(),
      ...(experiment.trim() ? { experiment: experiment.trim() } : {}),
      sourceType,
      ...(sourceType === "builtin" ? { algorithm } : {}),
      ...(sourceType === "script" && code
        ? { codeUploadId: code.codeUploadId, codeFilename: code.filename, ...(code.codeUploadId.endsWith(".zip") ? { entryPoint: entryPoint.trim() } : {}) }
        : {}),
      ...(sourceType === "notebook" ? { notebookId } : {}),
      hyperparameters,
      inputs: inputs.map((r) => ({ channel: r.channel, datasetVersionId: r.datasetVersionId })),
      ...(hostId ? { hostId } : {}),
      ...(hostId && kernelName ? { kernelName } : {}),
      maxRuntimeSeconds: Number(runtime.value) * units[runtime.unit],
      maxRetries: Number(retries),
      metricDefinitions: metrics.map((m) => ({ Name: m.Name.trim(), Regex: m.Regex })),
      ...(initial.clonedFrom && initial.clonedFrom.projectId === projectId ? { clonedFromId: initial.clonedFrom.id } : {}),
    };
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problems = validate();
    setClientErrors(problems);
    create.reset();
    if (Object.keys(problems).length > 0) return;
    try {
      const { job } = await create.mutateAsync({ projectId, body: body() });
      router.push(`/jobs/${job.id}`);
    } catch {
      /* shown next to the fields */
    }
  }

  const allProblems = Object.entries(errors);
  const trainRow = inputs.find((i) => i.channel === "train");
  const tabs: { id: SourceType; label: string }[] = [
    { id: "builtin", label: "Built-in algorithm" },
    { id: "script", label: "Script" },
    { id: "notebook", label: "Notebook" },
  ];

  return (
    <>
      <PageHeader
        title={initial.clonedFrom ? `Clone of ${initial.clonedFrom.name}` : "New training job"}
        description={
          initial.clonedFrom ? (
            <>
              Everything is copied from{" "}
              <Link href={`/jobs/${initial.clonedFrom.id}`} className={linkClass}>
                {initial.clonedFrom.name}
              </Link>
              ; change what you need and create the job.
            </>
          ) : (
            "Runs a built-in algorithm, your script or a notebook on a compute host; its metrics, parameters and model land in a run of the experiment."
          )
        }
      />
      <form onSubmit={onSubmit} noValidate className="max-w-5xl">
        <Section title="Job">
          <div className="grid gap-3 md:grid-cols-3">
            <SelectField label="Project" value={projectId} onChange={(e) => chooseProject(e.target.value)} error={errors.projectId}>
              <option value="">Choose a project…</option>
              {writable.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </SelectField>
            <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} placeholder="churn-xgboost" error={errors.name} />
            <TextField
              label="Experiment"
              value={experiment}
              onChange={(e) => setExperiment(e.target.value)}
              placeholder={name.trim() || "same as the name"}
              hint="The job's run goes into this experiment (created if new). Empty: the job's name."
              error={errors.experiment}
            />
          </div>
        </Section>

        <Section title="Code">
          <div role="tablist" aria-label="Source" className="mb-4 inline-flex rounded-md border border-zinc-300 p-0.5 dark:border-zinc-700">
            {tabs.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={sourceType === t.id}
                onClick={() => chooseSource(t.id)}
                className={`rounded px-3 py-1 text-sm ${sourceType === t.id ? "bg-sky-600 text-white" : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"}`}
              >
                {t.label}
              </button>
            ))}
          </div>

          {sourceType === "builtin" ? (
            <div role="radiogroup" aria-label="Algorithm" className="grid gap-2 md:grid-cols-4">
              {algorithms.map((a) => (
                <button
                  key={a.id}
                  type="button"
                  role="radio"
                  aria-checked={algorithm === a.id}
                  onClick={() => chooseAlgorithm(a.id)}
                  className={`rounded-md border p-3 text-left transition-colors ${
                    algorithm === a.id ? "border-sky-500 bg-sky-50 ring-1 ring-sky-500 dark:bg-sky-950/40" : "border-zinc-200 hover:border-zinc-400 dark:border-zinc-700"
                  }`}
                >
                  <span className="block text-sm font-medium">{a.label}</span>
                  <span className="mt-1 block text-xs text-zinc-500">{a.description}</span>
                  <span className="mt-1 block text-[11px] text-zinc-400">{a.tasks.map((t) => t.replace(/_/g, " ")).join(" · ")}</span>
                </button>
              ))}
              <FieldError message={errors.algorithm} />
            </div>
          ) : null}

          {sourceType === "script" ? (
            <div className="space-y-2">
              <div className="flex flex-wrap items-center gap-2">
                <Button size="sm" variant="secondary" onClick={() => fileInput.current?.click()} disabled={!projectId} busy={codeProgress !== null}>
                  {code ? "Replace code…" : "Upload .py or .zip…"}
                </Button>
                <input
                  ref={fileInput}
                  type="file"
                  aria-label="Training code"
                  accept=".py,.zip"
                  className="hidden"
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    if (file) void uploadCode(file, file.name, entryPoint);
                  }}
                />
                {!projectId ? <span className="text-xs text-zinc-500">Choose the project first.</span> : null}
                {codeProgress ? (
                  <span className="flex items-center gap-2 text-xs text-zinc-600" role="status">
                    Uploading {codeProgress.label}… {Math.round(codeProgress.fraction * 100)}%
                    <span className="h-1.5 w-32 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-700">
                      <span className="block h-full bg-sky-600" style={{ width: `${Math.round(codeProgress.fraction * 100)}%` }} />
                    </span>
                  </span>
                ) : null}
                {code ? (
                  <span className="text-sm" data-testid="uploaded-code">
                    <span className="font-mono">{code.filename}</span> <span className="text-xs text-zinc-500">· {formatBytes(code.sizeBytes)} uploaded</span>
                  </span>
                ) : null}
              </div>
              <ErrorNotice error={codeError} />
              <FieldError message={errors.codeUploadId ?? errors.codeFilename ?? errors.file} />
              {code?.codeUploadId.endsWith(".zip") ? (
                <div className="w-80">
                  <SelectField label="Entry point" value={entryPoint} onChange={(e) => setEntryPoint(e.target.value)} error={errors.entryPoint} hint="The script run with the folder as its working directory.">
                    {code.pythonFiles.length === 0 ? <option value="">The zip holds no .py file</option> : null}
                    {entryPoint && !code.pythonFiles.includes(entryPoint) ? <option value={entryPoint}>{entryPoint}</option> : null}
                    {code.pythonFiles.map((f) => (
                      <option key={f} value={f}>
                        {f}
                      </option>
                    ))}
                  </SelectField>
                </div>
              ) : null}
              <p className="text-xs text-zinc-500">
                A single script, or a zipped folder (with a requirements.txt if it needs packages). It runs as <span className="font-mono">python train.py</span>: inputs under{" "}
                <span className="font-mono">/opt/ml/input/data/&lt;channel&gt;</span>, files written to <span className="font-mono">/opt/ml/model</span> become the run&apos;s model artifacts.
              </p>
            </div>
          ) : null}

          {sourceType === "notebook" ? (
            <div className="w-96">
              <SelectField
                label="Notebook"
                value={notebookId}
                onChange={(e) => setNotebookId(e.target.value)}
                error={errors.notebookId}
                hint="Its current content is snapshotted when the job is created and run top to bottom."
              >
                <option value="">{notebooks.isLoading ? "Loading notebooks…" : (notebooks.data ?? []).length === 0 && projectId ? "This project has no notebooks" : "Choose a notebook…"}</option>
                {(notebooks.data ?? []).map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name}
                  </option>
                ))}
              </SelectField>
            </div>
          ) : null}
        </Section>

        <Section
          title="Input data"
          description={
            sourceType === "builtin"
              ? `The "train" channel is the training data${spec?.needs_target === false ? "" : '; an optional "validation" channel replaces the held-out split'}.`
              : "Each channel's dataset version is downloaded to /opt/ml/input/data/<channel> before the code starts."
          }
        >
          {!projectId ? (
            <p className="text-sm text-zinc-500">Choose the project first.</p>
          ) : (
            <div className="space-y-2">
              {inputs.map((row, i) => (
                <InputRowEditor
                  key={row.key}
                  projectId={projectId}
                  row={row}
                  index={i}
                  errors={errors}
                  fixedChannel={sourceType === "builtin" && (row.channel === "train" || row.channel === "validation")}
                  onChange={updateInput}
                  onRemove={sourceType === "builtin" && row.channel === "train" ? undefined : () => setInputs(inputs.filter((r) => r.key !== row.key))}
                />
              ))}
              <div className="flex gap-2">
                {sourceType === "builtin" && !inputs.some((i) => i.channel === "validation") && spec?.needs_target !== false ? (
                  <Button size="sm" variant="secondary" onClick={() => setInputs([...inputs, { key: newKey(), channel: "validation", datasetId: "", version: null, datasetVersionId: "" }])}>
                    Add validation data
                  </Button>
                ) : null}
                {sourceType !== "builtin" ? (
                  <Button size="sm" variant="secondary" onClick={() => setInputs([...inputs, { key: newKey(), channel: inputs.length === 0 ? "train" : "", datasetId: "", version: null, datasetVersionId: "" }])}>
                    Add input
                  </Button>
                ) : null}
              </div>
              <FieldError message={errors.inputs} />
              <p className="text-xs text-zinc-500">
                Only ready dataset versions are offered.{" "}
                <Link href={projectId ? `/projects/${projectId}` : "/datasets"} className={linkClass}>
                  Upload a dataset
                </Link>{" "}
                in the project if it is missing.
              </p>
            </div>
          )}
        </Section>

        <Section
          title="Hyperparameters"
          description={sourceType === "builtin" ? `${spec?.label ?? algorithm}: defaults are filled in; every value is checked before the job is created.` : "Passed to your code as strings."}
        >
          {sourceType === "builtin" ? (
            <div className="grid gap-x-4 gap-y-3 md:grid-cols-2 lg:grid-cols-3">
              {specs.map((s) =>
                s.name === "target" ? (
                  <TargetColumnPicker key={s.name} row={trainRow} value={hp.target ?? ""} onChange={(v) => setHp({ ...hp, target: v })} error={errors["hyperparameters.target"]} />
                ) : (
                  <HyperparameterField key={s.name} spec={s} value={hp[s.name] ?? ""} onChange={(v) => setHp({ ...hp, [s.name]: v })} error={errors[`hyperparameters.${s.name}`]} />
                ),
              )}
            </div>
          ) : (
            <KeyValueRows rows={kv} setRows={setKv} errors={errors} />
          )}
          <FieldError message={errors.hyperparameters} />
        </Section>

        <Section title="Compute" description="Only healthy hosts are offered; the job waits if its host goes down.">
          <div className="grid gap-3 md:grid-cols-4">
            <SelectField
              label="Compute host"
              value={hostId}
              onChange={(e) => {
                setHostChoice(e.target.value);
                setKernelChoice(null);
              }}
              error={errors.hostId}
              hint={healthy.length === 0 && hosts ? "No healthy host right now: the job will wait for the local host." : undefined}
            >
              {healthy.length === 0 ? <option value="">Local host (default)</option> : null}
              {host && !healthy.includes(host) ? <option value={host.id}>{host.name} ({host.status})</option> : null}
              {healthy.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                  {h.kind === "local" ? " (local)" : ""}
                  {h.hardware?.gpus?.length ? ` · ${h.hardware.gpus.length} GPU` : ""}
                </option>
              ))}
            </SelectField>
            <SelectField label="Kernel" value={kernelName} onChange={(e) => setKernelChoice(e.target.value)} error={errors.kernelName} disabled={!host}>
              {(host?.kernelSpecs ?? []).length === 0 ? <option value="">Host default</option> : null}
              {(host?.kernelSpecs ?? []).map((k) => (
                <option key={k.name} value={k.name}>
                  {k.displayName}
                </option>
              ))}
            </SelectField>
            <div className="space-y-1">
              <span className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">Max runtime</span>
              <div className="flex gap-1">
                <input
                  aria-label="Max runtime"
                  value={runtime.value}
                  inputMode="numeric"
                  onChange={(e) => setRuntime({ ...runtime, value: e.target.value })}
                  aria-invalid={Boolean(errors.maxRuntimeSeconds)}
                  className={`${controlClass} w-20`}
                />
                <select aria-label="Max runtime unit" value={runtime.unit} onChange={(e) => setRuntime({ ...runtime, unit: e.target.value as Unit })} className={controlClass}>
                  {Object.keys(units).map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
                </select>
              </div>
              <FieldError message={errors.maxRuntimeSeconds} />
              {!errors.maxRuntimeSeconds ? <p className="text-xs text-zinc-500">Stopped (failed) when exceeded.</p> : null}
            </div>
            <SelectField label="Retries" value={retries} onChange={(e) => setRetries(e.target.value)} error={errors.maxRetries} hint="Attempts again after a failure.">
              {[0, 1, 2, 3, 4, 5].map((n) => (
                <option key={n} value={String(n)}>
                  {n === 0 ? "No retries" : `${n} ${n === 1 ? "retry" : "retries"}`}
                </option>
              ))}
            </SelectField>
          </div>
        </Section>

        <Section
          title="Metrics from logs"
          description={
            sourceType === "builtin"
              ? "Built-in algorithms log their metrics themselves; add definitions only for extra lines."
              : "Log lines matching a regex become metrics of the run (the first capture group is the value), like SageMaker's metric definitions."
          }
        >
          <MetricRows rows={metrics} setRows={setMetrics} errors={errors} />
        </Section>

        {allProblems.length > 0 || (create.error && !(create.error instanceof ApiError && create.error.issues.length > 0)) ? (
          <div role="alert" className="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-300">
            {allProblems.length > 0 ? (
              <>
                <p className="font-medium">{allProblems.length === 1 ? "One field needs attention:" : `${allProblems.length} fields need attention:`}</p>
                <ul className="mt-1 list-disc pl-5 text-xs">
                  {allProblems.map(([path, message]) => (
                    <li key={path}>
                      <span className="font-mono">{path}</span>: {message}
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              (create.error as Error).message
            )}
          </div>
        ) : null}
        <div className="flex items-center gap-2 pb-8">
          <Button type="submit" busy={create.isPending} disabled={codeProgress !== null}>
            Create training job
          </Button>
          <Link href="/jobs" className="px-3 text-sm text-zinc-600 hover:underline dark:text-zinc-400">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
