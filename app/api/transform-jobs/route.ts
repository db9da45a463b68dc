// GET /api/transform-jobs?projectId= – batch transforms in the caller's projects, newest first
import { route } from "@/server/http/route";
import { listTransformJobsQuery } from "@/server/transform/transform-schemas";
import { listTransformJobs } from "@/server/transform/manage-transform-jobs";

export const GET = route({ access: "models:read", query: listTransformJobsQuery }, async ({ db, query, user }) => ({ jobs: await listTransformJobs(db, user, query) }));
