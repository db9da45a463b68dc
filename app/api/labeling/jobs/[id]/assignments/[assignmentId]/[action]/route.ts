// POST /api/labeling/jobs/[id]/assignments/[assignmentId]/heartbeat – renews the claim's lease
// POST /api/labeling/jobs/[id]/assignments/[assignmentId]/submit – { answer } (counted once, while the claim holds)
// POST /api/labeling/jobs/[id]/assignments/[assignmentId]/skip – back to the pool for others
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { renewLease, skipItem, submitAnswer } from "@/server/labeling/queue";

const params = idParams.extend({ assignmentId: z.string().min(1).max(64).regex(/^[a-z0-9]+$/i), action: z.enum(["heartbeat", "submit", "skip"]) });
const body = z.object({ answer: z.unknown().optional() }).default({});

export const POST = route({ access: "labeling:work", params, body }, async ({ db, params, body, user }) => {
  if (params.action === "heartbeat") return renewLease(db, params.id, params.assignmentId, user);
  if (params.action === "skip") {
    await skipItem(db, params.id, params.assignmentId, user);
    return { ok: true };
  }
  await submitAnswer(db, params.id, params.assignmentId, body.answer, user);
  return { ok: true };
});
