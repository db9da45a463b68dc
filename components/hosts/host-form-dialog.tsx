"use client";

import { useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api-client";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";
import type { HostView } from "@/server/hosts/host-view";
import { useCreateHost, useUpdateHost } from "@/components/hosts/use-hosts";

/** Add a gateway, or edit one. The token field is write-only: the browser never receives it. */
export function HostFormDialog({ host, open, onClose }: { host?: HostView; open: boolean; onClose: () => void }) {
  const create = useCreateHost();
  const update = useUpdateHost();
  const [error, setError] = useState<Error | null>(null);
  const mutation = host ? update : create;
  const local = host?.kind === "local";

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const token = String(form.get("token") ?? "");
    const input = {
      name: String(form.get("name") ?? ""),
      ...(local ? {} : { url: String(form.get("url") ?? "") }),
      // When editing, an empty token field keeps the stored token.
      ...(host ? (token ? { token } : {}) : { token }),
    };
    setError(null);
    try {
      if (host) await update.mutateAsync({ id: host.id, ...input });
      else await create.mutateAsync(input);
      onClose();
    } catch (e) {
      setError(e as Error);
    }
  }

  const issue = (path: string) => (error instanceof ApiError ? error.issueFor(path) : undefined);
  return (
    <Dialog open={open} onClose={onClose} title={host ? `Edit ${host.name}` : "Add a compute host"}>
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <TextField label="Name" name="name" defaultValue={host?.name} placeholder="gpu-box-1" required error={issue("name")} />
        {local ? null : (
          <TextField
            label="Gateway URL"
            name="url"
            defaultValue={host?.url}
            placeholder="https://gpu-box-1.internal:8888"
            required
            error={issue("url")}
            hint="The base URL of a Jupyter Kernel Gateway or Enterprise Gateway."
          />
        )}
        {local ? null : (
          <TextField
            label="Token"
            name="token"
            type="password"
            autoComplete="off"
            placeholder={host?.hasToken ? "•••••••• (stored; leave empty to keep)" : "KG_AUTH_TOKEN of the gateway"}
            error={issue("token")}
            hint="Stored encrypted on the server and never shown again."
          />
        )}
        <DialogFooter error={error} onCancel={onClose} busy={mutation.isPending} submitLabel={host ? "Save" : "Add host"} />
      </form>
    </Dialog>
  );
}
