import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import { emptyNotebook, NotebookFormatError, parseIpynb, type Notebook } from "@/lib/nbformat";
import type { Principal } from "@/server/auth/principal";
import { requireProjectPermission } from "@/server/projects/project-access";
import { assertNameFree } from "@/server/notebooks/notebook-access";
import { checkKernelChoice } from "@/server/notebooks/check-kernel-choice";
import type { createNotebookInput } from "@/server/notebooks/notebook-schemas";
import { toNotebookDocument, type NotebookDocument } from "@/server/notebooks/notebook-view";

/** Creates an empty notebook, or imports an .ipynb file (any nbformat 4.x), in a project. */
export async function createNotebook(
  db: Db,
  projectId: string,
  input: z.infer<typeof createNotebookInput>,
  actor: Principal,
): Promise<NotebookDocument> {
  await requireProjectPermission(db, projectId, actor, "notebooks:write");
  await assertNameFree(db, projectId, input.name);
  await checkKernelChoice(db, input.hostId, input.kernelName);
  let content: Notebook;
  try {
    content = input.ipynb === undefined ? emptyNotebook() : parseIpynb(input.ipynb);
  } catch (error) {
    if (error instanceof NotebookFormatError) {
      throw new AppError("validation_failed", error.message, { issues: error.issues.map((i) => ({ path: `ipynb.${i.path}`, message: i.message })) });
    }
    throw error;
  }
  const row = await db.notebook.create({
    data: {
      projectId,
      name: input.name,
      content: content as object,
      hostId: input.hostId ?? null,
      kernelName: input.kernelName ?? null,
      createdById: actor.id,
    },
  });
  return toNotebookDocument(row);
}
