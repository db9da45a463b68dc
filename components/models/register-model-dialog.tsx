"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError } from "@/lib/api-client";
import { Button } from "@/components/ui/button";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";
import { useModels, useRegisterModelVersion } from "@/components/models/use-models";

/** "Register model" on a run that logged a model folder: the next version of a new or existing model. */
export function RegisterModelButton({ runId, projectId, runName, folder }: { runId: string; projectId: string; runName: string; folder: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)}>
        Register model
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="Register model">
        <RegisterForm runId={runId} projectId={projectId} runName={runName} folder={folder} onCancel={() => setOpen(false)} />
      </Dialog>
    </>
  );
}

function RegisterForm({ runId, projectId, runName, folder, onCancel }: { runId: string; projectId: string; runName: string; folder: string; onCancel: () => void }) {
  const router = useRouter();
  const register = useRegisterModelVersion();
  const { data: models } = useModels({ projectId });
  const [modelName, setModelName] = useState(() => runName.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "model");
  const [description, setDescription] = useState("");
  const issue = (path: string) => (register.error instanceof ApiError ? register.error.issueFor(path) : undefined);
  const existing = models?.find((m) => m.name === modelName.trim());
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        register.mutate(
          { projectId, body: { source: "run", runId, modelName: modelName.trim(), description, path: folder } },
          { onSuccess: ({ version }) => router.push(`/models/versions/${version.id}`) },
        );
      }}
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        The files in <code className="font-mono">{folder}/</code> are copied into the registry as a new version; it starts pending approval.
      </p>
      <TextField
        label="Model name"
        list="registered-model-names"
        value={modelName}
        onChange={(e) => setModelName(e.target.value)}
        error={issue("modelName")}
        hint={existing ? `Becomes version ${(existing.latestVersion?.version ?? 0) + 1} of ${existing.name}.` : "A new model in the registry (or pick an existing one to add a version)."}
        required
        autoFocus
      />
      <datalist id="registered-model-names">
        {models?.map((m) => <option key={m.id} value={m.name} />)}
      </datalist>
      <TextField label="Description (optional)" value={description} onChange={(e) => setDescription(e.target.value)} error={issue("description")} />
      <DialogFooter error={register.error && !issue("modelName") && !issue("description") ? register.error : null} onCancel={onCancel} busy={register.isPending} submitLabel="Register" />
    </form>
  );
}
