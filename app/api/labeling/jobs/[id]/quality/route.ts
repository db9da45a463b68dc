// GET /api/labeling/jobs/[id]/quality – agreement (Fleiss' kappa, Krippendorff's alpha, per labeler) and each labeler's throughput
import { idParams, route } from "@/server/http/route";
import { jobQuality } from "@/server/labeling/quality";

export const GET = route({ access: "labeling:read", params: idParams }, async ({ db, params, user }) => ({ quality: await jobQuality(db, params.id, user) }));
