import "server-only";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { diffNotebooks, type NotebookDiff } from "@/lib/notebook-diff";
import type { Notebook } from "@/lib/nbformat";
import type { Principal } from "@/server/auth/principal";
import { loadNotebookFor } from "@/server/notebooks/notebook-access";
import { toNotebookDocument, type NotebookDocument } from "@/server/notebooks/notebook-view";
import { notifyNotebookChanged } from "@/server/notebooks/live/live-registry";

export interface CheckpointView {
  id: string;
  version: number;
  kind: "auto" | "manual" | "before_restore";
  label: string | null;
  createdAt: string;
}

const checkpointSelect = { id: true, version: true, kind: true, label: true, createdAt: true } as const;

function toCheckpointView(row: { id: string; version: number; kind: string; label: string | null; createdAt: Date }): CheckpointView {
  return { id: row.id, version: row.version, kind: row.kind as CheckpointView["kind"], label: row.label, createdAt: row.createdAt.toISOString() };
}

async function loadCheckpoint(db: Db, notebookId: string, checkpointId: string) {
  const checkpoint = await db.notebookCheckpoint.findUnique({ where: { id: checkpointId } });
  if (!checkpoint || checkpoint.notebookId !== notebookId) throw new AppError("not_found", "No checkpoint with that id in this notebook.");
  return checkpoint;
}

/** Saves the current content as a named checkpoint ("Create checkpoint"). */
export async function createCheckpoint(db: Db, notebookId: string, label: string | undefined, actor: Principal): Promise<CheckpointView> {
  const notebook = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  const row = await db.notebookCheckpoint.create({
    data: { notebookId, content: notebook.content as object, version: notebook.version, kind: "manual", label: label || null, createdById: actor.id },
    select: checkpointSelect,
  });
  return toCheckpointView(row);
}

/** A notebook's checkpoints, newest first (without their content). */
export async function listCheckpoints(db: Db, notebookId: string, principal: Principal): Promise<CheckpointView[]> {
  await loadNotebookFor(db, notebookId, principal, "notebooks:read");
  const rows = await db.notebookCheckpoint.findMany({ where: { notebookId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: checkpointSelect });
  return rows.map(toCheckpointView);
}

/** What changed between a checkpoint and the current notebook, cell by cell. */
export async function diffCheckpoint(db: Db, notebookId: string, checkpointId: string, principal: Principal): Promise<NotebookDiff> {
  const notebook = await loadNotebookFor(db, notebookId, principal, "notebooks:read");
  const checkpoint = await loadCheckpoint(db, notebookId, checkpointId);
  return diffNotebooks(checkpoint.content as unknown as Notebook, notebook.content as unknown as Notebook);
}

/**
 * Puts a checkpoint's content back as a new version. The content it replaces is kept first as a
 * "before_restore" checkpoint, so a restore can itself be undone.
 */
export async function restoreCheckpoint(db: Db, notebookId: string, checkpointId: string, actor: Principal): Promise<NotebookDocument> {
  const notebook = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  if (notebook.trashedAt) throw new AppError("conflict", "This notebook is in the trash. Restore it to edit it.");
  const checkpoint = await loadCheckpoint(db, notebookId, checkpointId);
  const row = await db.$transaction(async (tx) => {
    await tx.notebookCheckpoint.create({
      data: { notebookId, content: notebook.content as object, version: notebook.version, kind: "before_restore", label: `Before restoring version ${checkpoint.version}`, createdById: actor.id },
    });
    return tx.notebook.update({ where: { id: notebookId }, data: { content: checkpoint.content as object, version: { increment: 1 } } });
  });
  notifyNotebookChanged(notebookId, "content");
  return toNotebookDocument(row);
}
