"use client";

import Link from "next/link";
import { formatRelative } from "@/lib/format";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { linkClass } from "@/components/ui/link";
import { EndpointStatusBadge } from "@/components/endpoints/endpoint-status";
import { useEndpoints } from "@/components/endpoints/use-endpoints";
import { NewMultiModelEndpointButton } from "@/components/endpoints/multi-model";

/** Endpoints in every project the caller may read, newest first. */
export function EndpointsPage({ canWrite }: { canWrite: boolean }) {
  const { data, error, isLoading } = useEndpoints();
  return (
    <>
      <PageHeader
        title="Endpoints"
        description="Real-time endpoints that applications call: each serves registered model versions on model servers the studio runs."
        actions={canWrite ? <NewMultiModelEndpointButton /> : null}
      />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading endpoints…</p> : null}
      {data && data.length === 0 ? (
        <EmptyState title="No endpoints yet">
          Open a model version in the{" "}
          <Link href="/models" className={linkClass}>
            model registry
          </Link>{" "}
          and press <strong>Deploy</strong>.
        </EmptyState>
      ) : null}
      {data && data.length > 0 ? (
        <Table label="Endpoints">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Status</Th>
              <Th>Project</Th>
              <Th>Variants</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {data.map((e) => (
              <tr key={e.id}>
                <Td>
                  <Link href={`/endpoints/${e.id}`} className={`font-medium ${linkClass}`}>
                    {e.name}
                  </Link>
                  {e.production ? <span className="ml-2 text-xs text-zinc-500">production</span> : null}
                </Td>
                <Td>
                  <EndpointStatusBadge status={e.status} reason={e.statusReason} />
                </Td>
                <Td>{e.projectName}</Td>
                <Td className="text-xs">
                  {e.multiModel ? (
                    <span>
                      Multi-model · {e.multiModel.models.length} model{e.multiModel.models.length === 1 ? "" : "s"}
                    </span>
                  ) : (
                    e.variants.map((v) => (
                      <span key={v.id} className="mr-3">
                        {v.name}: {v.modelVersion ? `${v.modelVersion.modelName} v${v.modelVersion.version}` : "–"} · {Math.round(v.share * 100)}%
                      </span>
                    ))
                  )}
                </Td>
                <Td className="text-zinc-600 dark:text-zinc-400" title={e.createdAt}>
                  {formatRelative(e.createdAt)}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </>
  );
}
