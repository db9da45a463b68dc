"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { can } from "@/lib/roles";
import { answerKind, defaultTaskTimeLimitSeconds, defaultWorkersPerItem, isMultiLabel, isTextTask, taskTypeLabels, type AnswerKind, type Examples, type LabelingJobView, type TaskType } from "@/lib/labeling/tasks";
import { Button } from "@/components/ui/button";
import { Card, EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { SelectField, TextField, controlClass } from "@/components/ui/field";
import { linkClass } from "@/components/ui/link";
import { Detail, Section } from "@/components/ui/section";
import { Table, Td, Th } from "@/components/ui/table";
import { useProject, useProjects } from "@/components/projects/use-projects";
import { useDatasets, useDatasetVersion } from "@/components/datasets/use-datasets";
import { ExamplesEditor } from "@/components/labeling/examples-editor";
import { JobExports } from "@/components/labeling/exports";
import { AutoLabelingFields, AutoLabelingSection } from "@/components/labeling/auto-labeling";
import type { AutoLabelingInput } from "@/lib/labeling/auto-labeling";
import { useCreateLabelingJob, useJobItems, useJobQuality, useLabelingJob, useLabelingJobs, useStopLabelingJob } from "@/components/labeling/use-labeling";

export const statusText: Record<LabelingJobView["status"], string> = { preparing: "Preparing", in_progress: "In progress", completed: "Completed", failed: "Failed", stopped: "Stopped" };

/** Share of the responses a job needs that are in (an imported job's: its labeled items), and its labeled items of its readable ones. */
export function JobProgress({ responses, responsesNeeded, labeled, items }: { responses: number; responsesNeeded: number; labeled: number; items: number }) {
  const share = responsesNeeded > 0 ? responses / responsesNeeded : items > 0 ? labeled / items : 0;
  return (
    <span className="flex items-center gap-2" title={`${responses} of ${responsesNeeded} answers`}>
      <span className="h-1.5 w-24 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800">
        <span className="block h-full bg-sky-600" style={{ width: `${Math.round(share * 100)}%` }} />
      </span>
      <span className="text-xs tabular-nums">
        {labeled} / {items} items
      </span>
    </span>
  );
}

/** Labeling jobs of the caller's projects; managers start new ones here. */
export function LabelingJobsPage({ canManage }: { canManage: boolean }) {
  const { data, error, isLoading } = useLabelingJobs();
  return (
    <>
      <PageHeader
        title="Labeling jobs"
        description="Images and texts labeled by your team through annotation queues, each item by several people, then consolidated into one label with a confidence."
        actions={
          canManage ? (
            <span className="flex gap-2">
              <Link href="/labeling/import" className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
                Import labels
              </Link>
              <Link href="/labeling/new" className="rounded-md bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700">
                New labeling job
              </Link>
            </span>
          ) : null
        }
      />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading labeling jobs…</p> : null}
      {data && data.length === 0 ? <EmptyState title="No labeling jobs yet">{canManage ? "Start one on a dataset of texts (CSV, JSON Lines) or images (zip)." : "Your team's jobs appear here."}</EmptyState> : null}
      {data && data.length > 0 ? (
        <Table label="Labeling jobs">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Task</Th>
              <Th>Status</Th>
              <Th>Progress</Th>
              <Th>Project</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((j) => (
              <tr key={j.id}>
                <Td>
                  <Link href={`/labeling/${j.id}`} className={`font-medium ${linkClass}`}>
                    {j.name}
                  </Link>
                </Td>
                <Td className="text-xs">{taskTypeLabels[j.taskType]}</Td>
                <Td className="text-xs">{statusText[j.status]}</Td>
                <Td>
                  <JobProgress responses={j.counts.responses} responsesNeeded={j.counts.responsesNeeded} labeled={j.counts.labeled} items={j.counts.items - j.counts.unreadable} />
                </Td>
                <Td className="text-xs">{j.projectName}</Td>
                <Td className="text-xs">{formatDateTime(j.createdAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}

/** The labeler's list: jobs they are on, with where they stand. */
export function MyQueuePage() {
  const { data, error, isLoading } = useLabelingJobs({ mine: true });
  const open = data?.filter((j) => j.status === "in_progress") ?? [];
  return (
    <>
      <PageHeader title="My queue" description="The labeling jobs you are on. Open one and work through it with the keyboard." />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading…</p> : null}
      {data && open.length === 0 ? <EmptyState title="Nothing to label right now">When a job lists you as a labeler it shows up here.</EmptyState> : null}
      <ul className="grid gap-3 md:grid-cols-2">
        {open.map((j) => (
          <li key={j.id}>
            <Card className="flex items-center justify-between gap-3 p-4">
              <div>
                <p className="font-medium">{j.name}</p>
                <p className="text-xs text-zinc-500">
                  {taskTypeLabels[j.taskType]} · {j.projectName}
                </p>
                <div className="mt-2">
                  <JobProgress responses={j.counts.responses} responsesNeeded={j.counts.responsesNeeded} labeled={j.counts.labeled} items={j.counts.items - j.counts.unreadable} />
                </div>
              </div>
              <Link href={`/labeling/queue/${j.id}`} className="rounded-md bg-sky-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-700">
                Start labeling
              </Link>
            </Card>
          </li>
        ))}
      </ul>
    </>
  );
}

/** One job: settings, progress, labelers. */
export function LabelingJobPage({ jobId, canManage, canReview }: { jobId: string; canManage: boolean; canReview: boolean }) {
  const { data: job, error, isLoading } = useLabelingJob(jobId);
  const stop = useStopLabelingJob(jobId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading labeling job…</p>;
  if (error || !job) return <ErrorNotice error={error ?? new Error("Labeling job not found.")} />;
  return (
    <>
      <PageHeader
        title={job.name}
        description={
          <>
            {taskTypeLabels[job.taskType]} in {job.projectName} · on{" "}
            <Link href={`/datasets/${job.datasetVersion.datasetId}`} className={linkClass}>
              {job.datasetVersion.datasetName} v{job.datasetVersion.version}
            </Link>
          </>
        }
        actions={
          <span className="flex gap-2">
            {canReview && job.review.pending > 0 ? (
              <Link href={`/labeling/review/${job.id}`} className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
                Review ({job.review.pending.toLocaleString()})
              </Link>
            ) : null}
            {job.workers.length > 0 && job.status === "in_progress" ? (
              <Link href={`/labeling/queue/${job.id}`} className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
                Label
              </Link>
            ) : null}
            {canManage && (job.status === "in_progress" || job.status === "preparing") ? (
              <Button variant="danger" busy={stop.isPending} onClick={() => window.confirm(`Stop ${job.name}? Its queue closes.`) && stop.mutate()}>
                Stop
              </Button>
            ) : null}
          </span>
        }
      />
      <ErrorNotice error={stop.error} />
      <Card className="mb-8 p-4">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
          <Detail label="Status">{statusText[job.status]}</Detail>
          <Detail label="Items">
            <span data-testid="job-items">
              {job.counts.items}
              {job.counts.unreadable ? ` (${job.counts.unreadable} unreadable)` : ""}
            </span>
          </Detail>
          <Detail label="Labeled">
            <span data-testid="job-labeled">
              {job.counts.labeled} of {job.counts.items - job.counts.unreadable}
            </span>
          </Detail>
          <Detail label="Answers">
            {job.counts.responses} of {job.counts.responsesNeeded}
          </Detail>
          <Detail label="Workers per item">{job.importFormat ? "– (imported labels)" : job.workersPerItem}</Detail>
          <Detail label="Time limit per item">{Math.round(job.taskTimeLimitSeconds / 60)} min</Detail>
          <Detail label="Label attribute">
            <code className="font-mono text-xs">{job.labelAttributeName}</code>
          </Detail>
          <Detail label="Created">{formatDateTime(job.createdAt)}</Detail>
          <Detail label="Review backlog">
            <span data-testid="review-backlog" title={`Items below confidence ${job.review.threshold}, or whose labelers disagreed`}>
              {job.review.pending.toLocaleString()} waiting · {job.review.reviewed.toLocaleString()} reviewed
            </span>
          </Detail>
        </dl>
        {job.statusReason ? <p className={`mt-3 text-sm ${job.status === "failed" ? "text-red-700 dark:text-red-300" : "text-zinc-600 dark:text-zinc-400"}`}>{job.statusReason}</p> : null}
      </Card>
      <AutoLabelingSection jobId={job.id} />
      <Section title="Labels" count={job.labels.length}>
        <ol className="flex flex-wrap gap-2 text-sm">
          {job.labels.map((l, i) => (
            <li key={l.name} className="rounded border border-zinc-200 px-2 py-1 dark:border-zinc-800" title={l.description || undefined}>
              <span className="mr-1 font-mono text-xs text-zinc-500">{i}</span>
              {l.name}
            </li>
          ))}
        </ol>
      </Section>
      {job.importFormat ? null : (
        <Section title="Labelers and agreement" count={job.workers.length}>
          <JobQualityPanel job={job} />
        </Section>
      )}
      <Section title="Exports">
        <JobExports job={job} canManage={canManage} />
      </Section>
      <Section title="Items">
        <JobItems jobId={job.id} taskType={job.taskType} />
      </Section>
      {job.instructions ? (
        <Section title="Instructions">
          <p className="text-sm whitespace-pre-wrap">{job.instructions}</p>
        </Section>
      ) : null}
    </>
  );
}

const stat = (value: number | null, digits = 2) => (value === null ? "–" : value.toFixed(digits));

/** Agreement over the job (Fleiss' kappa, Krippendorff's alpha) and each labeler's answers, pace and agreement with the others. */
function JobQualityPanel({ job }: { job: LabelingJobView }) {
  const { data, error } = useJobQuality(job.id);
  if (error) return <ErrorNotice error={error} />;
  const byId = new Map(data?.labelers.map((l) => [l.id, l]) ?? []);
  const a = data?.agreement ?? null;
  return (
    <div className="space-y-3">
      <Card className="p-4">
        {a ? (
          <dl className="grid grid-cols-3 gap-x-6" data-testid="agreement">
            <Detail label="Fleiss' kappa">
              <span title={a.fleissReason ?? undefined}>{stat(a.fleissKappa)}</span>
            </Detail>
            <Detail label="Krippendorff's alpha">
              <span title={a.krippendorffReason ?? undefined}>{stat(a.krippendorffAlpha)}</span>
            </Detail>
            <Detail label="Pairs that agree">{a.pairwiseAgreement === null ? "–" : `${Math.round(a.pairwiseAgreement * 100)}%`}</Detail>
            {isMultiLabel(job.taskType) ? <p className="col-span-3 mt-2 text-xs text-zinc-500">Multi-label: each item and label is a yes/no rating (does the label apply?).</p> : null}
          </dl>
        ) : (
          <p className="text-sm text-zinc-500">{data?.agreementReason ?? "Loading…"}</p>
        )}
      </Card>
      <Table label="Labelers">
        <thead>
          <tr>
            <Th>Labeler</Th>
            <Th className="text-right">Answers</Th>
            <Th className="text-right">Skipped</Th>
            <Th className="text-right">Time per item</Th>
            <Th className="text-right">Items per hour</Th>
            <Th className="text-right" title="Cohen's kappa of the labeler's answers against the other labelers' majority on the same items">
              Kappa vs others
            </Th>
          </tr>
        </thead>
        <tbody>
          {job.workers.map((w) => {
            const l = byId.get(w.id);
            return (
              <tr key={w.id} data-testid={`labeler-${w.email}`}>
                <Td>
                  {w.name} <span className="text-xs text-zinc-500">{w.email}</span>
                </Td>
                <Td className="text-right tabular-nums">{l?.submitted ?? 0}</Td>
                <Td className="text-right tabular-nums">{l?.skipped ?? 0}</Td>
                <Td className="text-right tabular-nums">{l?.meanSecondsPerItem == null ? "–" : `${l.meanSecondsPerItem.toFixed(1)} s`}</Td>
                <Td className="text-right tabular-nums">{l?.itemsPerHour == null ? "–" : Math.round(l.itemsPerHour)}</Td>
                <Td className="text-right tabular-nums">{stat(l?.kappaVsOthers ?? null)}</Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
    </div>
  );
}

/** The first items with their state and consolidated label (majority vote beside it). */
const labelColumn: Record<AnswerKind, string> = { label: "Label (Dawid–Skene)", labels: "Labels (Dawid–Skene per label)", boxes: "Boxes (matched by IoU, averaged)", spans: "Entities (clustered by overlap)" };

function JobItems({ jobId, taskType }: { jobId: string; taskType: TaskType }) {
  const kind = answerKind(taskType);
  const { data, error } = useJobItems(jobId);
  if (error) return <ErrorNotice error={error} />;
  if (!data) return <p className="text-sm text-zinc-500">Loading items…</p>;
  return (
    <Table label="Items">
      <thead>
        <tr>
          <Th className="w-12">#</Th>
          <Th>Item</Th>
          <Th>State</Th>
          <Th>{labelColumn[kind]}</Th>
          {kind === "label" || kind === "labels" ? <Th>Majority vote</Th> : null}
          <Th className="text-right">Confidence</Th>
        </tr>
      </thead>
      <tbody>
        {data.map((i) => (
          <tr key={i.id} data-testid={`item-${i.seq}`}>
            <Td className="tabular-nums text-xs">{i.seq + 1}</Td>
            <Td className="max-w-md truncate text-xs" title={i.text ?? i.sourceRef ?? undefined}>
              {i.text ?? i.sourceRef}
            </Td>
            <Td className="text-xs">
              {i.status === "unreadable" ? <span title={i.unreadableReason ?? undefined}>unreadable</span> : i.status === "consolidated" ? (i.humanAnnotated ? "consolidated" : "machine-labeled") : `${i.submitted} answer${i.submitted === 1 ? "" : "s"}`}
              {i.review ? ` · review ${i.review}` : ""}
            </Td>
            <Td className="text-xs font-medium">{i.labels ? i.labels.join(kind === "boxes" || kind === "spans" ? "; " : ", ") || "(none)" : "–"}</Td>
            {kind === "label" || kind === "labels" ? <Td className="text-xs">{i.majority?.join(", ") ?? "–"}</Td> : null}
            <Td className="text-right text-xs tabular-nums">{i.confidence === null ? "–" : i.confidence.toFixed(2)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

const offeredTasks: TaskType[] = ["text-classification", "text-classification-multilabel", "named-entity-recognition", "image-classification", "image-classification-multilabel", "bounding-box"];

/** "New labeling job": a dataset, a task, labels, instructions, who labels and how many per item. */
export function NewLabelingJobPage() {
  const router = useRouter();
  const create = useCreateLabelingJob();
  const { data: projects } = useProjects();
  const [projectId, setProjectId] = useState("");
  const project = projectId || projects?.[0]?.id || "";
  const { data: detail } = useProject(project);
  const { data: datasets } = useDatasets(project);
  const [datasetId, setDatasetId] = useState("");
  const dataset = datasets?.find((d) => d.id === datasetId) ?? null;
  const { data: version } = useDatasetVersion(dataset?.id ?? "", dataset?.latest?.version ?? null);
  const [taskType, setTaskType] = useState<TaskType>("text-classification");
  const [name, setName] = useState("");
  const [textField, setTextField] = useState("");
  const [labels, setLabels] = useState("");
  const [instructions, setInstructions] = useState("");
  const [examples, setExamples] = useState<Examples>({ good: [], bad: [] });
  const [workersPerItem, setWorkersPerItem] = useState("");
  const [timeLimit, setTimeLimit] = useState("");
  const [reviewThreshold, setReviewThreshold] = useState("");
  const [workerIds, setWorkerIds] = useState<string[]>([]);
  const [autoLabeling, setAutoLabeling] = useState<AutoLabelingInput | undefined>(undefined);
  const issue = (path: string) => (create.error instanceof ApiError ? create.error.issueFor(path) : undefined);
  const columns = version?.profile?.kind === "table" ? version.profile.columns.map((c) => c.name) : [];
  const labelers = detail?.members.filter((m) => can(m.role, "labeling:work")) ?? [];
  return (
    <>
      <PageHeader title="New labeling job" description="Texts from a CSV or JSON Lines dataset, or images from a zip dataset, labeled through your team's queues." />
      <form
        className="max-w-3xl space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            {
              projectId: project,
              body: {
                name: name.trim(),
                taskType,
                datasetVersionId: dataset?.latest?.id ?? "",
                ...(isTextTask(taskType) ? { textField: textField || columns[0] } : {}),
                labels: labels
                  .split("\n")
                  .map((l) => l.trim())
                  .filter(Boolean)
                  .map((l) => ({ name: l, description: "" })),
                instructions,
                examples,
                ...(workersPerItem ? { workersPerItem: Number(workersPerItem) } : {}),
                ...(timeLimit ? { taskTimeLimitSeconds: Number(timeLimit) } : {}),
                ...(reviewThreshold ? { reviewThreshold: Number(reviewThreshold) } : {}),
                workerIds,
                ...(autoLabeling ? { autoLabeling } : {}),
              },
            },
            { onSuccess: ({ job }) => router.push(`/labeling/${job.id}`) },
          );
        }}
      >
        <div className="grid grid-cols-2 gap-3">
          <SelectField label="Project" value={project} onChange={(e) => { setProjectId(e.target.value); setDatasetId(""); setWorkerIds([]); }}>
            {projects?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
          <TextField label="Job name" value={name} onChange={(e) => setName(e.target.value)} placeholder="review-sentiment" required error={issue("name")} />
          <SelectField label="Task" value={taskType} onChange={(e) => setTaskType(e.target.value as TaskType)} error={issue("taskType")}>
            {offeredTasks.map((t) => (
              <option key={t} value={t}>
                {taskTypeLabels[t]}
              </option>
            ))}
          </SelectField>
          <SelectField label="Dataset (latest version)" value={datasetId} onChange={(e) => setDatasetId(e.target.value)} error={issue("datasetVersionId")}>
            <option value="">Pick a dataset…</option>
            {datasets?.map((d) => (
              <option key={d.id} value={d.id} disabled={!d.latest || d.latest.status !== "ready"}>
                {d.name} {d.latest ? `v${d.latest.version} (${d.latest.format})` : ""}
              </option>
            ))}
          </SelectField>
          {isTextTask(taskType) ? (
            <SelectField label="Text column" value={textField || columns[0] || ""} onChange={(e) => setTextField(e.target.value)} error={issue("textField")}>
              {columns.length === 0 ? <option value="">Pick a CSV or JSON Lines dataset</option> : null}
              {columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </SelectField>
          ) : (
            <div />
          )}
          <div />
          <TextField label="Workers per item (1–9)" type="number" min={1} max={9} value={workersPerItem} placeholder={String(defaultWorkersPerItem(taskType))} onChange={(e) => setWorkersPerItem(e.target.value)} error={issue("workersPerItem")} />
          <TextField label="Time limit per item (seconds)" type="number" min={30} max={28800} value={timeLimit} placeholder={String(defaultTaskTimeLimitSeconds(taskType))} onChange={(e) => setTimeLimit(e.target.value)} error={issue("taskTimeLimitSeconds")} />
          <TextField label="Review labels below confidence (0–1)" type="number" min={0} max={1} step={0.05} value={reviewThreshold} placeholder="0.7" onChange={(e) => setReviewThreshold(e.target.value)} error={issue("reviewThreshold")} hint="Disagreements go to review too; 0 sends only them." />
        </div>
        <label className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Labels, one per line (their number keys follow this order)
          <textarea rows={4} className={`${controlClass} mt-1 w-full`} value={labels} onChange={(e) => setLabels(e.target.value)} placeholder={"positive\nnegative\nneutral"} />
          {issue("labels") ? <span className="mt-1 block text-red-600">{issue("labels")}</span> : null}
        </label>
        <label className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Instructions for labelers
          <textarea rows={4} className={`${controlClass} mt-1 w-full`} value={instructions} onChange={(e) => setInstructions(e.target.value)} />
        </label>
        <ExamplesEditor
          value={examples}
          labels={labels
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)}
          onChange={setExamples}
          issue={issue}
        />
        <fieldset>
          <legend className="text-xs font-medium text-zinc-700 dark:text-zinc-300">Labelers (members of the project who can label)</legend>
          {issue("workerIds") ? <p className="text-xs text-red-600">{issue("workerIds")}</p> : null}
          <ul className="mt-1 grid grid-cols-2 gap-1 text-sm">
            {labelers.map((m) => (
              <li key={m.userId}>
                <label className="flex items-center gap-2">
                  <input type="checkbox" checked={workerIds.includes(m.userId)} onChange={(e) => setWorkerIds((ids) => (e.target.checked ? [...ids, m.userId] : ids.filter((id) => id !== m.userId)))} />
                  {m.name} <span className="text-xs text-zinc-500">{m.role.replace("_", " ")}</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <AutoLabelingFields taskType={taskType} value={autoLabeling} onChange={setAutoLabeling} issue={issue} />
        <ErrorNotice error={create.error instanceof ApiError && create.error.issues.length ? null : create.error} />
        <Button type="submit" busy={create.isPending}>
          Create labeling job
        </Button>
      </form>
    </>
  );
}
