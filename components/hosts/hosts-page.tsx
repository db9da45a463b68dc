"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { HostCard } from "@/components/hosts/host-card";
import { HostFormDialog } from "@/components/hosts/host-form-dialog";
import { useHosts } from "@/components/hosts/use-hosts";

export function HostsPage({ canManage }: { canManage: boolean }) {
  const { data: hosts, error, isLoading } = useHosts();
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHeader
        title="Compute hosts"
        description="Jupyter gateways that run notebooks, training and analysis kernels. Probed continuously by the worker."
        actions={canManage ? <Button onClick={() => setAdding(true)}>Add host</Button> : null}
      />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading hosts…</p> : null}
      {hosts && hosts.length === 0 ? (
        <EmptyState title="No compute hosts yet">
          {canManage ? "Start the studio with `npm start` to register this machine, or add a remote gateway." : "Ask an admin to add a compute host."}
        </EmptyState>
      ) : null}
      <div className="space-y-4">
        {hosts?.map((host) => <HostCard key={host.id} host={host} canManage={canManage} />)}
      </div>
      {adding ? <HostFormDialog open={adding} onClose={() => setAdding(false)} /> : null}
    </>
  );
}
