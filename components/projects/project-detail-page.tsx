"use client";

import { useState, type FormEvent } from "react";
import { formatDateTime } from "@/lib/format";
import { can, roleLabels, roles, type Role } from "@/lib/roles";
import { NotebooksPanel } from "@/components/notebook/notebooks-panel";
import { DatasetsPanel } from "@/components/datasets/datasets-panel";
import { ProjectJobsPanel } from "@/components/jobs/project-jobs-panel";
import { ProjectExperiments } from "@/components/experiments/project-experiments";
import { Button } from "@/components/ui/button";
import { Card, ErrorNotice, PageHeader } from "@/components/ui/card";
import { controlClass } from "@/components/ui/field";
import { Table, Td, Th } from "@/components/ui/table";
import { RoleSelect } from "@/components/admin/role-select";
import { useUserDirectory } from "@/components/admin/use-users";
import { useProject, useRemoveMember, useSetMember } from "@/components/projects/use-projects";

function AddMemberForm({ projectId, existing }: { projectId: string; existing: Set<string> }) {
  const directory = useUserDirectory();
  const setMember = useSetMember(projectId);
  const candidates = (directory.data ?? []).filter((u) => !existing.has(u.id));
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const userId = String(f.get("userId") ?? "");
    if (userId) await setMember.mutateAsync({ userId, role: String(f.get("role")) as Role }).catch(() => undefined);
  }
  return (
    <Card className="mb-4 p-4">
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-2">
        <label className="text-xs font-medium">
          <span className="mb-1 block">Add member</span>
          <select name="userId" aria-label="User to add" className={`${controlClass} w-72`} disabled={candidates.length === 0}>
            {candidates.length === 0 ? <option value="">Everyone is already a member</option> : null}
            {candidates.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </label>
        <label className="text-xs font-medium">
          <span className="mb-1 block">Role in project</span>
          <select name="role" aria-label="Role in project" defaultValue="data_scientist" className={`${controlClass} w-44`}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleLabels[r]}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" busy={setMember.isPending} disabled={candidates.length === 0}>
          Add
        </Button>
      </form>
      <div className="mt-2">
        <ErrorNotice error={setMember.error ?? directory.error} />
      </div>
    </Card>
  );
}

export function ProjectDetailPage({ projectId, isStudioAdmin }: { projectId: string; isStudioAdmin: boolean }) {
  const { data: project, error, isLoading } = useProject(projectId);
  const setMember = useSetMember(projectId);
  const removeMember = useRemoveMember(projectId);
  const [confirming, setConfirming] = useState<string | null>(null);
  if (isLoading) return <p className="text-sm text-zinc-500">Loading project…</p>;
  if (error || !project) return <ErrorNotice error={error ?? new Error("Project not found.")} />;
  const canManage = isStudioAdmin || project.myRole === "admin";
  const role = isStudioAdmin ? "admin" : project.myRole;
  return (
    <>
      <PageHeader
        title={project.name}
        description={
          <>
            <span className="font-mono text-xs">{project.slug}</span>
            {project.description ? ` · ${project.description}` : ""} · created {formatDateTime(project.createdAt)}
          </>
        }
      />
      {role && can(role, "notebooks:read") ? (
        <>
          <h2 className="mb-2 text-sm font-semibold">Notebooks</h2>
          <NotebooksPanel projectId={projectId} canWrite={can(role, "notebooks:write")} />
          <div className="mb-8" />
        </>
      ) : null}
      {role && can(role, "datasets:read") ? (
        <>
          <h2 className="mb-2 text-sm font-semibold">Datasets</h2>
          <DatasetsPanel projectId={projectId} canWrite={can(role, "datasets:write")} />
          <div className="mb-8" />
        </>
      ) : null}
      {role && can(role, "training:read") ? <ProjectExperiments projectId={projectId} /> : null}
      {role && can(role, "training:read") ? <ProjectJobsPanel projectId={projectId} canWrite={can(role, "training:write")} /> : null}
      <h2 className="mb-2 text-sm font-semibold">Members</h2>
      {canManage ? <AddMemberForm projectId={projectId} existing={new Set(project.members.map((m) => m.userId))} /> : null}
      <div className="mb-2">
        <ErrorNotice error={setMember.error ?? removeMember.error} />
      </div>
      <Table label="Project members">
        <thead>
          <tr>
            <Th>Name</Th>
            <Th>Email</Th>
            <Th>Role in project</Th>
            <Th>Added</Th>
            {canManage ? <Th className="text-right">Actions</Th> : null}
          </tr>
        </thead>
        <tbody>
          {project.members.map((m) => (
            <tr key={m.userId}>
              <Td className="font-medium">{m.name}</Td>
              <Td className="font-mono text-xs">{m.email}</Td>
              <Td>
                {canManage ? (
                  <RoleSelect label={`Project role of ${m.email}`} value={m.role} onChange={(role) => setMember.mutate({ userId: m.userId, role })} />
                ) : (
                  roleLabels[m.role]
                )}
              </Td>
              <Td>{formatDateTime(m.addedAt)}</Td>
              {canManage ? (
                <Td className="text-right">
                  {confirming === m.userId ? (
                    <span className="inline-flex gap-1.5">
                      <Button size="sm" variant="danger" busy={removeMember.isPending} onClick={() => removeMember.mutate(m.userId, { onSettled: () => setConfirming(null) })}>
                        Remove
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setConfirming(null)}>
                        Keep
                      </Button>
                    </span>
                  ) : (
                    <Button size="sm" variant="secondary" onClick={() => setConfirming(m.userId)}>
                      Remove…
                    </Button>
                  )}
                </Td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
