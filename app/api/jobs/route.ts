// GET /api/jobs – training jobs across the caller's projects (by project role), newest first
import { route } from "@/server/http/route";
import { listTrainingJobs } from "@/server/jobs/list-training-jobs";

export const GET = route({ access: "training:read" }, async ({ db, user }) => ({ jobs: await listTrainingJobs(db, user) }));
