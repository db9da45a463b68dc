// POST /api/hosts/[id]/probe – ask the worker to probe this host now (admins)
import { idParams, route } from "@/server/http/route";
import { requestHostProbe } from "@/server/hosts/request-host-probe";

export const POST = route({ access: "hosts:manage", params: idParams }, async ({ db, params }) => requestHostProbe(db, params.id));
