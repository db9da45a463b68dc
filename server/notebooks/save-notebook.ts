import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { normalizeNotebook, NotebookFormatError, type Notebook } from "@/lib/nbformat";
import type { Principal } from "@/server/auth/principal";
import { loadNotebookFor } from "@/server/notebooks/notebook-access";
import type { saveNotebookInput } from "@/server/notebooks/notebook-schemas";
import { notifyNotebookChanged } from "@/server/notebooks/live/live-registry";

// Autosave writes every few seconds while someone types; a checkpoint of the replaced version is
// kept at most every 10 minutes (JupyterLab keeps one manual checkpoint; we keep a history), and
// only the newest 50 automatic ones, so history stays useful without growing without bound.
export const AUTO_CHECKPOINT_EVERY_MS = 10 * 60_000;
export const MAX_AUTO_CHECKPOINTS = 50;

/** Validates a notebook from the editor or an API client, or explains (422) what is wrong with it. */
export function validateNotebookContent(content: unknown, path = "content"): Notebook {
  try {
    return normalizeNotebook(content);
  } catch (error) {
    if (error instanceof NotebookFormatError) {
      throw new AppError("validation_failed", error.message, { issues: error.issues.map((i) => ({ path: `${path}.${i.path}`, message: i.message })) });
    }
    throw error;
  }
}

/**
 * Saves new content on top of the version the editor started from. A save based on an older
 * version is refused (409) so two tabs never silently overwrite each other; nothing saved is lost.
 */
export async function saveNotebook(
  db: Db,
  notebookId: string,
  input: z.infer<typeof saveNotebookInput>,
  actor: Principal,
  now = new Date(),
): Promise<{ version: number; updatedAt: string; checkpointed: boolean }> {
  const notebook = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  if (notebook.trashedAt) throw new AppError("conflict", "This notebook is in the trash. Restore it to edit it.");
  const content = validateNotebookContent(input.content);
  const { version, updatedAt, checkpointed } = await writeNotebookVersion(db, notebookId, input.baseVersion, content, { content: notebook.content, version: notebook.version }, actor.id, now);
  notifyNotebookChanged(notebookId, "content");
  return { version, updatedAt, checkpointed };
}

/**
 * Writes `content` as the version after `baseVersion`, keeping an automatic checkpoint of the
 * replaced content (`replaced`, read at `baseVersion`) when one is due. Refused (409) when the
 * notebook is no longer at `baseVersion`. Used by API saves and by the live editor session, which
 * saves every second while a cell prints: when the caller knows when the last checkpoint was taken
 * (`lastCheckpointAt`), a save that is not due one is a single UPDATE.
 */
export async function writeNotebookVersion(
  db: Db,
  notebookId: string,
  baseVersion: number,
  content: Notebook,
  replaced: { content: unknown; version: number },
  actorId: string | null,
  now = new Date(),
  lastCheckpointAt?: Date | null,
): Promise<{ version: number; updatedAt: string; checkpointed: boolean; lastCheckpointAt: Date | null }> {
  // Read through the caller's client (inside the transaction when there is one).
  const conflict = async (client: Pick<Db, "notebook">) => {
    const current = await client.notebook.findUnique({ where: { id: notebookId }, select: { version: true } });
    return new AppError(
      "conflict",
      `This notebook was saved elsewhere (now version ${current?.version}) after you opened version ${baseVersion}. Reload to get those changes; copy yours first.`,
    );
  };
  const update = { where: { id: notebookId, version: baseVersion }, data: { content: content as object, version: baseVersion + 1, updatedAt: now } };
  if (lastCheckpointAt !== undefined && lastCheckpointAt !== null && now.getTime() - lastCheckpointAt.getTime() < AUTO_CHECKPOINT_EVERY_MS) {
    const { count } = await db.notebook.updateMany(update);
    if (count === 0) throw await conflict(db);
    return { version: baseVersion + 1, updatedAt: now.toISOString(), checkpointed: false, lastCheckpointAt };
  }
  return db.$transaction(async (tx) => {
    const { count } = await tx.notebook.updateMany(update);
    if (count === 0) throw await conflict(tx);
    const last = await tx.notebookCheckpoint.findFirst({ where: { notebookId }, orderBy: { createdAt: "desc" }, select: { createdAt: true } });
    const checkpointed = !last || now.getTime() - last.createdAt.getTime() >= AUTO_CHECKPOINT_EVERY_MS;
    if (checkpointed) {
      // The version being replaced (read at baseVersion, so it is exactly what was overwritten).
      await tx.notebookCheckpoint.create({
        data: { notebookId, content: replaced.content as object, version: replaced.version, kind: "auto", createdById: actorId, createdAt: now },
      });
      const stale = await tx.notebookCheckpoint.findMany({
        where: { notebookId, kind: "auto" },
        orderBy: { createdAt: "desc" },
        skip: MAX_AUTO_CHECKPOINTS,
        select: { id: true },
      });
      if (stale.length > 0) await tx.notebookCheckpoint.deleteMany({ where: { id: { in: stale.map((s) => s.id) } } });
    }
    return { version: baseVersion + 1, updatedAt: now.toISOString(), checkpointed, lastCheckpointAt: checkpointed ? now : (last?.createdAt ?? null) };
  });
}
