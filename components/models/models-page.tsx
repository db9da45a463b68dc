"use client";

import Link from "next/link";
import { useDeferredValue, useState } from "react";
import { formatRelative } from "@/lib/format";
import { frameworkLabels } from "@/lib/model-registry";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { ApprovalBadge } from "@/components/models/approval-badge";
import { UploadModelButton } from "@/components/models/upload-model-dialog";
import { useModels } from "@/components/models/use-models";
import { linkClass } from "@/components/ui/link";

/** Registered models in every project the caller may read, most recent activity first. */
export function ModelsPage({ canWrite, isStudioAdmin }: { canWrite: boolean; isStudioAdmin: boolean }) {
  const [q, setQ] = useState("");
  const query = useDeferredValue(q).trim().toLowerCase();
  const { data, error, isLoading } = useModels();
  const shown = (data ?? []).filter((m) => !query || m.name.toLowerCase().includes(query) || m.projectName.toLowerCase().includes(query) || m.description.toLowerCase().includes(query));
  return (
    <>
      <PageHeader
        title="Model registry"
        description="Models and their versions, with approval status. Register a version from a run that logged a model, or upload a model file."
        actions={canWrite ? <UploadModelButton isStudioAdmin={isStudioAdmin} /> : null}
      />
      <input aria-label="Search models" placeholder="Search models or projects" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} mb-3 w-72`} />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading models…</p> : null}
      {data && data.length === 0 ? (
        <EmptyState title="No models yet">
          Train one (a built-in algorithm, or <code className="font-mono">studio.log_model(model)</code> in your code), open its run and press <strong>Register model</strong>
          {canWrite ? ", or upload a model file." : "."}
        </EmptyState>
      ) : null}
      {data && data.length > 0 && shown.length === 0 ? <EmptyState title="No model matches">Try part of a model&apos;s or a project&apos;s name.</EmptyState> : null}
      {shown.length > 0 ? (
        <Table label="Models">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Project</Th>
              <Th className="text-right">Versions</Th>
              <Th>Latest version</Th>
              <Th>Latest approved</Th>
              <Th>Updated</Th>
            </tr>
          </thead>
          <tbody>
            {shown.map((m) => (
              <tr key={m.id}>
                <Td>
                  <Link href={`/models/${m.id}`} className={`font-medium ${linkClass}`}>
                    {m.name}
                  </Link>
                  {m.description ? <span className="ml-2 text-xs text-zinc-500">{m.description}</span> : null}
                </Td>
                <Td>
                  <Link href={`/projects/${m.projectId}`} className="hover:underline">
                    {m.projectName}
                  </Link>
                </Td>
                <Td className="text-right tabular-nums">{m.versionCount}</Td>
                <Td>
                  {m.latestVersion ? (
                    <span className="flex items-center gap-2">
                      <Link href={`/models/versions/${m.latestVersion.id}`} className={linkClass}>
                        v{m.latestVersion.version}
                      </Link>
                      <ApprovalBadge status={m.latestVersion.approvalStatus} />
                      <span className="text-xs text-zinc-500">{frameworkLabels[m.latestVersion.framework]}</span>
                    </span>
                  ) : (
                    "–"
                  )}
                </Td>
                <Td>
                  {m.latestApproved ? (
                    <Link href={`/models/versions/${m.latestApproved.id}`} className={linkClass}>
                      v{m.latestApproved.version}
                    </Link>
                  ) : (
                    <span className="text-zinc-400">none</span>
                  )}
                </Td>
                <Td className="text-zinc-600 dark:text-zinc-400" title={m.updatedAt}>
                  {formatRelative(m.updatedAt)}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
