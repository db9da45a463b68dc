// GET /api/labeling/jobs?projectId=&mine=1 – labeling jobs the caller manages, views or labels (mine: only those they label)
import { z } from "zod";
import { route } from "@/server/http/route";
import { listLabelingJobs } from "@/server/labeling/manage-jobs";

const query = z.object({ projectId: z.string().min(1).max(64).optional(), mine: z.enum(["1", "0"]).optional() });

export const GET = route({ access: "signed-in", query }, async ({ db, query, user }) => ({ jobs: await listLabelingJobs(db, user, { projectId: query.projectId, mine: query.mine === "1" }) }));
