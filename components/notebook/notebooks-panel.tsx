"use client";

import Link from "next/link";
import { useDeferredValue, useRef, useState, type FormEvent } from "react";
import { api, ApiError } from "@/lib/api-client";
import { formatRelative } from "@/lib/format";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNotice } from "@/components/ui/card";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { TextField, controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import type { NotebookSummary } from "@/server/notebooks/notebook-view";
import { useNotebookAction, useNotebooks } from "@/components/notebook/use-notebooks";

function NameDialog({ title, initial, submitLabel, onSubmit, onClose }: { title: string; initial: string; submitLabel: string; onSubmit: (name: string) => Promise<unknown>; onClose: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    try {
      await onSubmit(String(new FormData(event.currentTarget).get("name") ?? ""));
      onClose();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  return (
    <Dialog open onClose={onClose} title={title}>
      <form onSubmit={submit} className="space-y-3" noValidate>
        <TextField label="Name" name="name" defaultValue={initial} autoFocus required error={error instanceof ApiError ? error.issueFor("name") : undefined} />
        <DialogFooter error={error} onCancel={onClose} busy={busy} submitLabel={submitLabel} />
      </form>
    </Dialog>
  );
}

/** A project's notebooks: create, import, search, rename, duplicate, export, trash and restore. */
export function NotebooksPanel({ projectId, canWrite }: { projectId: string; canWrite: boolean }) {
  const [trashed, setTrashed] = useState(false);
  const [q, setQ] = useState("");
  const deferredQ = useDeferredValue(q);
  const { data: notebooks, error, isLoading } = useNotebooks(projectId, { q: deferredQ || undefined, trashed });
  const [dialog, setDialog] = useState<{ kind: "create" } | { kind: "rename"; notebook: NotebookSummary } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const create = useNotebookAction(projectId, (input: { name: string; ipynb?: string }) => api(`/api/projects/${projectId}/notebooks`, { body: input }));
  const rename = useNotebookAction(projectId, ({ id, name }: { id: string; name: string }) => api(`/api/notebooks/${id}`, { method: "PATCH", body: { name } }));
  const act = useNotebookAction(projectId, ({ id, action }: { id: string; action: "duplicate" | "trash" | "restore" | "delete" }) =>
    action === "delete" ? api(`/api/notebooks/${id}`, { method: "DELETE" }) : api(`/api/notebooks/${id}/${action}`, { method: "POST" }),
  );

  async function importFile(file: File) {
    await create.mutateAsync({ name: file.name, ipynb: await file.text() }).catch(() => undefined);
    if (fileInput.current) fileInput.current.value = "";
  }

  return (
    <section aria-label="Notebooks">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-2">
          <input aria-label="Search notebooks" placeholder="Search notebooks" value={q} onChange={(e) => setQ(e.target.value)} className={`${controlClass} w-64`} />
          <div className="flex rounded-md border border-zinc-300 text-xs dark:border-zinc-700" role="group" aria-label="Show">
            <button type="button" aria-pressed={!trashed} onClick={() => setTrashed(false)} className={`px-2.5 py-1.5 ${!trashed ? "bg-zinc-200 dark:bg-zinc-800" : ""}`}>
              Notebooks
            </button>
            <button type="button" aria-pressed={trashed} onClick={() => setTrashed(true)} className={`px-2.5 py-1.5 ${trashed ? "bg-zinc-200 dark:bg-zinc-800" : ""}`}>
              Trash
            </button>
          </div>
        </div>
        {canWrite && !trashed ? (
          <div className="flex gap-2">
            <input ref={fileInput} type="file" accept=".ipynb,application/x-ipynb+json,application/json" className="hidden" aria-label="Import notebook file" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
            <Button variant="secondary" busy={create.isPending} onClick={() => fileInput.current?.click()}>
              Import .ipynb
            </Button>
            <Button onClick={() => setDialog({ kind: "create" })}>New notebook</Button>
          </div>
        ) : null}
      </div>
      <div className="mb-2 space-y-2">
        <ErrorNotice error={error ?? act.error ?? (dialog ? null : create.error)} />
      </div>
      {isLoading ? <p className="text-sm text-zinc-500">Loading notebooks…</p> : null}
      {notebooks && notebooks.length === 0 ? (
        <EmptyState title={trashed ? "The trash is empty" : q ? "No notebook matches" : "No notebooks yet"}>
          {!trashed && !q && canWrite ? "Create one, or import an .ipynb file from Jupyter." : null}
        </EmptyState>
      ) : null}
      {notebooks && notebooks.length > 0 ? (
        <Table label={trashed ? "Notebooks in the trash" : "Notebooks"}>
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Version</Th>
              <Th>{trashed ? "Trashed" : "Changed"}</Th>
              <Th className="text-right">Actions</Th>
            </tr>
          </thead>
          <tbody>
            {notebooks.map((n) => (
              <tr key={n.id}>
                <Td>
                  {trashed ? (
                    <span className="font-medium">{n.name}</span>
                  ) : (
                    <Link href={`/notebooks/${n.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                      {n.name}
                    </Link>
                  )}
                </Td>
                <Td className="tabular-nums">v{n.version}</Td>
                <Td className="text-zinc-600 dark:text-zinc-400">{formatRelative(trashed ? n.trashedAt : n.updatedAt)}</Td>
                <Td className="text-right">
                  <div className="flex justify-end gap-1.5">
                    {trashed ? (
                      canWrite ? (
                        <>
                          <Button size="sm" variant="secondary" onClick={() => act.mutate({ id: n.id, action: "restore" })}>
                            Restore
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            className="text-red-600 dark:text-red-400"
                            onClick={() => window.confirm(`Delete "${n.name}" and its history for good?`) && act.mutate({ id: n.id, action: "delete" })}
                          >
                            Delete forever
                          </Button>
                        </>
                      ) : null
                    ) : (
                      <>
                        <a className="inline-flex h-7 items-center rounded-md px-2.5 text-xs text-zinc-700 hover:bg-zinc-200/60 dark:text-zinc-300 dark:hover:bg-zinc-800" href={`/api/notebooks/${n.id}/export`}>
                          Export
                        </a>
                        {canWrite ? (
                          <>
                            <Button size="sm" variant="secondary" onClick={() => setDialog({ kind: "rename", notebook: n })}>
                              Rename
                            </Button>
                            <Button size="sm" variant="secondary" onClick={() => act.mutate({ id: n.id, action: "duplicate" })}>
                              Duplicate
                            </Button>
                            <Button size="sm" variant="secondary" onClick={() => act.mutate({ id: n.id, action: "trash" })}>
                              Move to trash
                            </Button>
                          </>
                        ) : null}
                      </>
                    )}
                  </div>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {dialog?.kind === "create" ? (
        <NameDialog title="New notebook" initial="" submitLabel="Create" onSubmit={(name) => create.mutateAsync({ name })} onClose={() => setDialog(null)} />
      ) : null}
      {dialog?.kind === "rename" ? (
        <NameDialog
          title={`Rename ${dialog.notebook.name}`}
          initial={dialog.notebook.name}
          submitLabel="Rename"
          onSubmit={(name) => rename.mutateAsync({ id: dialog.notebook.id, name })}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </section>
  );
}
