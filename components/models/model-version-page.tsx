"use client";

import Link from "next/link";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { formatBytes, formatDateTime } from "@/lib/format";
import { formatMetric } from "@/lib/metric-values";
import { approvalLabels, frameworkLabels, type ApprovalStatus, type ModelVersionDetail, type SignatureColumn } from "@/lib/model-registry";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice, FormError, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Detail, Section } from "@/components/ui/section";
import { Table, Td, Th } from "@/components/ui/table";
import { ApprovalBadge } from "@/components/models/approval-badge";
import { modelFileUrl, useModelVersion, useRequestOnnxExport, useSetApproval } from "@/components/models/use-models";
import { DeployButton } from "@/components/endpoints/deploy-dialog";
import { BatchTransformButton } from "@/components/transform/batch-transform-dialog";
import { linkClass } from "@/components/ui/link";

function ColumnsTable({ label, columns, empty }: { label: string; columns: SignatureColumn[]; empty: string }) {
  if (columns.length === 0) return <p className="text-sm text-zinc-500">{empty}</p>;
  return (
    <Table label={label}>
      <thead>
        <tr>
          <Th className="w-12 text-right">#</Th>
          <Th>Column</Th>
          <Th>Type</Th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c, i) => (
          <tr key={c.name}>
            <Td className="text-right text-xs text-zinc-500 tabular-nums">{i + 1}</Td>
            <Td className="font-mono text-xs">{c.name}</Td>
            <Td className="text-xs">{c.type}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

const actions: { status: ApprovalStatus; label: string; variant: "primary" | "danger" | "secondary" }[] = [
  { status: "Approved", label: "Approve", variant: "primary" },
  { status: "Rejected", label: "Reject", variant: "danger" },
  { status: "PendingManualApproval", label: "Back to pending", variant: "secondary" },
];

function ApprovalPanel({ version }: { version: ModelVersionDetail }) {
  const setApproval = useSetApproval(version.id);
  const [comment, setComment] = useState("");
  const commentIssue = setApproval.error instanceof ApiError ? setApproval.error.issueFor("comment") : undefined;
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => e.preventDefault()}
      aria-label="Change approval"
    >
      <label htmlFor="approval-comment" className="block text-xs font-medium text-zinc-700 dark:text-zinc-300">
        Comment (why; required to reject)
      </label>
      <textarea
        id="approval-comment"
        rows={2}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        className={`${controlClass} w-full`}
        aria-invalid={Boolean(commentIssue)}
        aria-describedby={commentIssue ? "approval-comment-error" : undefined}
      />
      {commentIssue ? (
        <p id="approval-comment-error" className="text-xs text-red-600 dark:text-red-400">
          {commentIssue}
        </p>
      ) : null}
      <FormError error={setApproval.error} />
      <div className="flex gap-2">
        {actions
          .filter((a) => a.status !== version.approvalStatus)
          .map((a) => (
            <Button
              key={a.status}
              variant={a.variant}
              size="sm"
              busy={setApproval.isPending && setApproval.variables?.status === a.status}
              onClick={() => setApproval.mutate({ status: a.status, comment: comment.trim() }, { onSuccess: () => setComment("") })}
            >
              {a.label}
            </Button>
          ))}
      </div>
    </form>
  );
}

/** How the version is served: its ONNX export (in-process) or the Python model server, and why. */
function ServingRuntime({ version, canExport }: { version: ModelVersionDetail; canExport: boolean }) {
  const request = useRequestOnnxExport(version.id);
  const report = version.onnx;
  const text: Record<ModelVersionDetail["onnxStatus"], string> = {
    converted: "Exported to ONNX: endpoints answer in-process with onnxruntime, no hop to a model server.",
    pending: "Exporting to ONNX and checking the export against the model…",
    failed: "The ONNX export did not pass: endpoints serve it with the Python model server.",
    unsupported: "No ONNX converter for this model: endpoints serve it with the Python model server.",
    none: "Not exported to ONNX (registered before exports existed): endpoints serve it with the Python model server.",
  };
  return (
    <div className="space-y-2 text-sm" data-testid="serving-runtime">
      <p>{text[version.onnxStatus]}</p>
      {version.onnxStatus === "converted" && report ? (
        <p className="text-xs text-zinc-500">
          {report.converter ?? "exported"}; checked on {report.checkedRows ?? "?"} rows, largest difference from the model&apos;s own answers{" "}
          <span className="font-mono">{report.maxDifference === null ? "?" : report.maxDifference.toExponential(1)}</span> (at most 1e-5 passes).
        </p>
      ) : null}
      {report?.reason && version.onnxStatus !== "converted" ? <p className="font-mono text-xs break-words text-zinc-500">{report.reason}</p> : null}
      {canExport && version.onnxStatus !== "converted" && version.onnxStatus !== "pending" ? (
        <Button size="sm" variant="secondary" busy={request.isPending} onClick={() => request.mutate()}>
          {version.onnxStatus === "none" ? "Export to ONNX" : "Try the export again"}
        </Button>
      ) : null}
      <FormError error={request.error} />
    </div>
  );
}

/** One model version: approval (with history), what it takes and returns, metrics, lineage, files. */
export function ModelVersionPage({ versionId, canApprove, canDeploy }: { versionId: string; canApprove: boolean; canDeploy: boolean }) {
  const { data: v, error, isLoading } = useModelVersion(versionId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading model version…</p>;
  if (error || !v) return <ErrorNotice error={error ?? new Error("Model version not found.")} />;
  const metrics = Object.entries(v.metrics).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <PageHeader
        title={`${v.modelName} · version ${v.version}`}
        description={
          <>
            <Link href={`/models/${v.modelId}`} className={linkClass}>
              All versions of {v.modelName}
            </Link>
            <span className="ml-2 font-mono text-xs text-zinc-500">{v.id}</span>
          </>
        }
        actions={
          canDeploy ? (
            <>
              <BatchTransformButton version={v} />
              <DeployButton version={v} />
            </>
          ) : null
        }
      />
      <Card className="mb-8 p-4">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4">
          <Detail label="Approval">
            <ApprovalBadge status={v.approvalStatus} />
          </Detail>
          <Detail label="Framework">{frameworkLabels[v.framework]}</Detail>
          <Detail label="Task">{v.task?.replace(/_/g, " ") ?? "–"}</Detail>
          <Detail label="Model file">
            <span className="font-mono text-xs">{v.modelFile}</span>
          </Detail>
          <Detail label="Registered">{formatDateTime(v.createdAt)}</Detail>
          <Detail label="Registered by">{v.createdBy ?? "–"}</Detail>
          <Detail label="Source">
            {v.runId ? (
              <Link href={`/runs/${v.runId}`} className={linkClass}>
                run {v.runName ?? v.runId}
              </Link>
            ) : (
              "uploaded file"
            )}
          </Detail>
          <Detail label="Algorithm">{v.algorithm ?? "–"}</Detail>
        </dl>
        {v.description ? <p className="mt-3 text-sm text-zinc-700 dark:text-zinc-300">{v.description}</p> : null}
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Serving runtime">
          <ServingRuntime version={v} canExport={canDeploy} />
        </Section>
        <Section title="Approval">
          <Card className="space-y-3 p-4">
            <p className="text-sm">
              <ApprovalBadge status={v.approvalStatus} />{" "}
              {v.approvalBy ? (
                <span className="text-zinc-600 dark:text-zinc-400">
                  by {v.approvalBy}, {formatDateTime(v.approvalAt)}
                  {v.approvalComment ? <>: “{v.approvalComment}”</> : null}
                </span>
              ) : (
                <span className="text-zinc-600 dark:text-zinc-400">No decision yet. Only approved versions can serve production endpoints.</span>
              )}
            </p>
            {canApprove ? <ApprovalPanel version={v} /> : null}
          </Card>
        </Section>
        <Section title="History" count={v.events.length}>
          <ol className="space-y-2 text-sm" aria-label="Approval history">
            {[...v.events].reverse().map((e, i) => (
              <li key={i} className="flex gap-2">
                <span className="w-40 shrink-0 text-xs text-zinc-500 tabular-nums">{formatDateTime(e.createdAt)}</span>
                <span>
                  {e.status === "registered" ? "Registered" : approvalLabels[e.status]}
                  {e.actor ? <span className="text-zinc-500"> by {e.actor}</span> : null}
                  {e.comment ? <span className="text-zinc-600 dark:text-zinc-400"> — {e.comment}</span> : null}
                </span>
              </li>
            ))}
          </ol>
        </Section>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Inputs" count={v.signature.inputs.length}>
          <ColumnsTable label="Input columns" columns={v.signature.inputs} empty="No input schema was recorded (log the model with input_example= or input_schema=)." />
        </Section>
        <Section title="Outputs" count={v.signature.outputs.length}>
          <ColumnsTable label="Output columns" columns={v.signature.outputs} empty="Unknown: the task of this model was not recorded." />
        </Section>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Metrics" count={metrics.length}>
          {metrics.length === 0 ? (
            <p className="text-sm text-zinc-500">No metrics were recorded with this version.</p>
          ) : (
            <Table label="Metrics">
              <thead>
                <tr>
                  <Th>Metric</Th>
                  <Th className="text-right">Value</Th>
                </tr>
              </thead>
              <tbody>
                {metrics.map(([k, m]) => (
                  <tr key={k}>
                    <Td className="font-mono text-xs">{k}</Td>
                    <Td className={`text-right font-mono text-xs tabular-nums ${typeof m === "string" ? "text-red-600 dark:text-red-400" : ""}`}>{formatMetric(m)}</Td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </Section>
        <Section title="Lineage">
          <ul className="space-y-1 text-sm">
            {v.inputs.map((input) => (
              <li key={input.datasetVersionId}>
                <span className="text-zinc-500">Dataset{input.channel ? ` (${input.channel} channel)` : ""}: </span>
                <Link href={`/datasets/${input.datasetId}`} className={linkClass}>
                  {input.name} v{input.version}
                </Link>
              </li>
            ))}
            {v.deployments.map((d) => (
              <li key={d.endpointId}>
                <span className="text-zinc-500">Serves: </span>
                <Link href={`/endpoints/${d.endpointId}`} className={linkClass}>
                  endpoint {d.endpointName}
                </Link>{" "}
                <span className="text-zinc-500">
                  (variant{d.variants.length === 1 ? "" : "s"} {d.variants.join(", ")}, {d.status})
                </span>
              </li>
            ))}
            {v.jobId ? (
              <li>
                <span className="text-zinc-500">Training job: </span>
                <Link href={`/jobs/${v.jobId}`} className={linkClass}>
                  {v.jobId}
                </Link>
              </li>
            ) : null}
            {v.runId ? (
              <li>
                <span className="text-zinc-500">Run: </span>
                <Link href={`/runs/${v.runId}`} className={linkClass}>
                  {v.runName ?? v.runId}
                </Link>
                {v.experimentId ? (
                  <>
                    {" "}
                    in{" "}
                    <Link href={`/experiments/${v.experimentId}`} className={linkClass}>
                      its experiment
                    </Link>
                  </>
                ) : null}
              </li>
            ) : (
              <li className="text-zinc-500">Uploaded by {v.createdBy ?? "a former member"}: no run or dataset recorded.</li>
            )}
          </ul>
        </Section>
      </div>

      <Section title="Files" count={v.files.length}>
        <Table label="Files">
          <thead>
            <tr>
              <Th>Path</Th>
              <Th className="text-right">Size</Th>
              <Th>SHA-256</Th>
              <Th />
            </tr>
          </thead>
          <tbody>
            {v.files.map((f) => (
              <tr key={f.path}>
                <Td className="font-mono text-xs">{f.path}</Td>
                <Td className="text-right tabular-nums">{formatBytes(f.sizeBytes)}</Td>
                <Td className="font-mono text-xs text-zinc-500" title={f.sha256}>
                  {f.sha256.slice(0, 12)}…
                </Td>
                <Td className="text-right">
                  <a href={modelFileUrl(v.id, f.path)} download className={linkClass} aria-label={`Download ${f.path}`}>
                    Download
                  </a>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Section>
    </>
  );
}
