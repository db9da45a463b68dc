// GET /api/jobs/[id]/logs/download – the whole log as a text file, streamed
import { Readable } from "node:stream";
import { idParams, route } from "@/server/http/route";
import { getTrainingJob } from "@/server/jobs/list-training-jobs";
import { jobLogText } from "@/server/jobs/job-logs";

export const GET = route({ access: "training:read", params: idParams }, async ({ db, params, user }) => {
  const job = await getTrainingJob(db, params.id, user);
  const filename = `${job.name.replace(/[^\w.-]+/g, "_")}-${job.id}.log`;
  return new Response(Readable.toWeb(Readable.from(jobLogText(db, job.id, user))) as ReadableStream, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
});
