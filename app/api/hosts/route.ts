// GET /api/hosts – compute hosts with their last probe; POST /api/hosts – register a gateway (admins)
import { created, route } from "@/server/http/route";
import { createHost } from "@/server/hosts/create-host";
import { listHosts } from "@/server/hosts/list-hosts";
import { createHostInput } from "@/server/hosts/host-schemas";

export const GET = route({ access: "hosts:read" }, async ({ db }) => listHosts(db));

export const POST = route({ access: "hosts:manage", body: createHostInput }, async ({ db, body, user, ip }) =>
  created(await createHost(db, body, user, ip)),
);
