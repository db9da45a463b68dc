"use client";

import Link from "next/link";
import { formatDateTime } from "@/lib/format";
import { frameworkLabels } from "@/lib/model-registry";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { ApprovalBadge } from "@/components/models/approval-badge";
import { MetricList } from "@/components/models/metric-cells";
import { useModel } from "@/components/models/use-models";
import { linkClass } from "@/components/ui/link";

/** One registered model: its versions, newest first, with approval status, metrics and source. */
export function ModelPage({ modelId }: { modelId: string }) {
  const { data: model, error, isLoading } = useModel(modelId);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading model…</p>;
  if (error || !model) return <ErrorNotice error={error ?? new Error("Model not found.")} />;
  return (
    <>
      <PageHeader
        title={model.name}
        description={
          <>
            Model in{" "}
            <Link href={`/projects/${model.projectId}`} className={linkClass}>
              {model.projectName}
            </Link>
            {model.description ? ` · ${model.description}` : ""}
          </>
        }
      />
      {model.versions.length === 0 ? (
        <EmptyState title="No versions">Register one from a run that logged a model.</EmptyState>
      ) : (
        <Table label="Versions">
          <thead>
            <tr>
              <Th>Version</Th>
              <Th>Approval</Th>
              <Th>Framework</Th>
              <Th>Metrics</Th>
              <Th>Source</Th>
              <Th>Registered</Th>
            </tr>
          </thead>
          <tbody>
            {model.versions.map((v) => (
              <tr key={v.id}>
                <Td>
                  <Link href={`/models/versions/${v.id}`} className={`font-medium ${linkClass}`}>
                    Version {v.version}
                  </Link>
                </Td>
                <Td>
                  <ApprovalBadge status={v.approvalStatus} />
                </Td>
                <Td className="text-xs">
                  {frameworkLabels[v.framework]}
                  {v.algorithm ? <span className="text-zinc-500"> · {v.algorithm}</span> : null}
                </Td>
                <Td>
                  <MetricList metrics={v.metrics} />
                </Td>
                <Td className="text-xs">
                  {v.runId ? (
                    <Link href={`/runs/${v.runId}`} className={linkClass}>
                      run {v.runName ?? v.runId}
                    </Link>
                  ) : (
                    "uploaded file"
                  )}
                </Td>
                <Td className="text-xs text-zinc-600 dark:text-zinc-400">
                  {formatDateTime(v.createdAt)}
                  {v.createdBy ? ` by ${v.createdBy}` : ""}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </>
  );
}
