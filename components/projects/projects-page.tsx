"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { ApiError } from "@/lib/api-client";
import { formatDateTime } from "@/lib/format";
import { roleLabels } from "@/lib/roles";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorNotice, PageHeader } from "@/components/ui/card";
import { Dialog, DialogFooter } from "@/components/ui/dialog";
import { TextField } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { useCreateProject, useProjects } from "@/components/projects/use-projects";

function CreateProjectDialog({ onClose }: { onClose: () => void }) {
  const create = useCreateProject();
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const slug = String(f.get("slug") ?? "").trim();
    try {
      await create.mutateAsync({ name: String(f.get("name")), description: String(f.get("description") ?? ""), ...(slug ? { slug } : {}) });
      onClose();
    } catch {
      /* shown below */
    }
  }
  const err = create.error;
  const issue = (p: string) => (err instanceof ApiError ? err.issueFor(p) : undefined);
  return (
    <Dialog open onClose={onClose} title="New project">
      <form onSubmit={onSubmit} className="space-y-3" noValidate>
        <TextField label="Name" name="name" required placeholder="Churn prediction" error={issue("name")} />
        <TextField label="Slug (optional)" name="slug" placeholder="churn-prediction" hint="Used in URLs and the SDK; derived from the name if empty." error={issue("slug")} />
        <TextField label="Description" name="description" error={issue("description")} />
        <DialogFooter error={err} onCancel={onClose} busy={create.isPending} submitLabel="Create project" />
      </form>
    </Dialog>
  );
}

export function ProjectsPage({ canCreate }: { canCreate: boolean }) {
  const { data: projects, error, isLoading } = useProjects();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Projects"
        description="Projects group notebooks, datasets, jobs, endpoints and labeling work, with a role for each member."
        actions={canCreate ? <Button onClick={() => setCreating(true)}>New project</Button> : null}
      />
      <ErrorNotice error={error} />
      {isLoading ? <p className="text-sm text-zinc-500">Loading projects…</p> : null}
      {projects && projects.length === 0 ? (
        <EmptyState title="No projects yet">{canCreate ? "Create the first project to start working." : "Ask an admin or data scientist to add you to a project."}</EmptyState>
      ) : null}
      {projects && projects.length > 0 ? (
        <Table label="Projects">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Slug</Th>
              <Th>Members</Th>
              <Th>Your role</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id}>
                <Td>
                  <Link href={`/projects/${p.id}`} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                    {p.name}
                  </Link>
                  {p.description ? <p className="text-xs text-zinc-500">{p.description}</p> : null}
                </Td>
                <Td className="font-mono text-xs">{p.slug}</Td>
                <Td className="tabular-nums">{p.memberCount}</Td>
                <Td>{p.myRole ? roleLabels[p.myRole] : "– (studio admin)"}</Td>
                <Td>{formatDateTime(p.createdAt)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {creating ? <CreateProjectDialog onClose={() => setCreating(false)} /> : null}
    </>
  );
}
