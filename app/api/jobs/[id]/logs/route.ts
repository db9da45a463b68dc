// GET /api/jobs/[id]/logs?after=attempt:seq&q=&limit= – log chunks after a cursor (the page tails with it)
// POST /api/jobs/[id]/logs { attempt, chunks: [{ seq, stream, text }] } – the job runner's log lines
// (each (attempt, seq) is stored once; lines matching the job's metric definitions become metrics)
import { idParams, route } from "@/server/http/route";
import { jobLogsInput, jobLogsQuery } from "@/server/jobs/job-schemas";
import { listJobLogs } from "@/server/jobs/job-logs";
import { appendJobLogs } from "@/server/jobs/job-runtime";

export const GET = route({ access: "training:read", params: idParams, query: jobLogsQuery }, async ({ db, params, query, user }) => listJobLogs(db, params.id, query, user));

export const POST = route(
  { access: "training:write", sdk: true, params: idParams, body: jobLogsInput, maxBodyBytes: 8 * 1024 * 1024 },
  async ({ db, params, body, user }) => {
    const { stop } = await appendJobLogs(db, params.id, body, user);
    return { ok: true, stop };
  },
);
