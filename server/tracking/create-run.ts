import "server-only";
import type { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { requireProjectPermission } from "@/server/projects/project-access";
import type { createRunInput } from "@/server/tracking/tracking-schemas";
import { toRunView, type RunView } from "@/server/tracking/run-view";

/** The experiment of that name in the project, created on first use (MLflow's set_experiment). */
export async function ensureExperiment(db: Db, projectId: string, name: string, actorId: string | null): Promise<{ id: string }> {
  return db.experiment.upsert({
    where: { projectId_name: { projectId, name } },
    create: { projectId, name, createdById: actorId },
    update: {},
    select: { id: true },
  });
}

/** A run started from a notebook or a script through the SDK (jobs make their own runs). */
export async function createRun(db: Db, projectId: string, input: z.infer<typeof createRunInput>, actor: Principal): Promise<RunView> {
  await requireProjectPermission(db, projectId, actor, "training:write");
  let notebookName: string | null = null;
  if (input.notebookId) {
    const notebook = await db.notebook.findFirst({ where: { id: input.notebookId, projectId }, select: { name: true } });
    if (!notebook) throw new AppError("validation_failed", "notebookId: no notebook with that id in this project.", { issues: [{ path: "notebookId", message: "not found in this project" }] });
    notebookName = notebook.name;
  }
  const experiment = await ensureExperiment(db, projectId, input.experiment, actor.id);
  const count = await db.run.count({ where: { experimentId: experiment.id } });
  const run = await db.run.create({
    data: {
      experimentId: experiment.id,
      projectId,
      name: input.name ?? `${notebookName ?? input.experiment}-${count + 1}`,
      source: input.source,
      notebookId: input.notebookId ?? null,
      createdById: actor.id,
      tags: input.tags ? { create: Object.entries(input.tags).map(([key, value]) => ({ key, value })) } : undefined,
    },
    include: runViewInclude,
  });
  return toRunView(run);
}

export const runViewInclude = {
  experiment: { select: { name: true } },
  params: true,
  tags: true,
  metrics: true,
} as const;
