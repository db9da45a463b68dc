import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { assertNameFree, loadNotebookFor } from "@/server/notebooks/notebook-access";
import { checkKernelChoice } from "@/server/notebooks/check-kernel-choice";
import type { updateNotebookInput } from "@/server/notebooks/notebook-schemas";
import { notebookSummarySelect, toNotebookSummary, type NotebookSummary } from "@/server/notebooks/notebook-view";
import { notifyNotebookChanged } from "@/server/notebooks/live/live-registry";

/** Renames a notebook or changes the host and kernel spec it runs on (the content is untouched). */
export async function updateNotebook(
  db: Db,
  notebookId: string,
  input: z.infer<typeof updateNotebookInput>,
  actor: Principal,
): Promise<NotebookSummary> {
  const notebook = await loadNotebookFor(db, notebookId, actor, "notebooks:write");
  if (input.name && input.name !== notebook.name && !notebook.trashedAt) await assertNameFree(db, notebook.projectId, input.name, notebookId);
  const hostId = input.hostId === undefined ? notebook.hostId : input.hostId;
  const kernelName = input.kernelName === undefined ? notebook.kernelName : input.kernelName;
  if (input.hostId !== undefined || input.kernelName !== undefined) await checkKernelChoice(db, hostId, kernelName);
  const row = await db.notebook.update({ where: { id: notebookId }, data: { name: input.name, hostId, kernelName }, select: notebookSummarySelect });
  notifyNotebookChanged(notebookId, "settings");
  return toNotebookSummary(row);
}
