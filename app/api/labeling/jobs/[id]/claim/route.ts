// POST /api/labeling/jobs/[id]/claim – the labeler's current item: the one they hold, else the next one claimed for them (with a lease)
import { idParams, route } from "@/server/http/route";
import { claimNext } from "@/server/labeling/queue";

export const POST = route({ access: "labeling:work", params: idParams }, async ({ db, params, user }) => ({ queue: await claimNext(db, params.id, user) }));
