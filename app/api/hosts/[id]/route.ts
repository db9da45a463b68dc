// GET /api/hosts/[id] – one host; PATCH – edit it; DELETE – remove it (admins)
import { idParams, route } from "@/server/http/route";
import { deleteHost } from "@/server/hosts/delete-host";
import { getHost } from "@/server/hosts/list-hosts";
import { updateHost } from "@/server/hosts/update-host";
import { updateHostInput } from "@/server/hosts/host-schemas";

export const GET = route({ access: "hosts:read", params: idParams }, async ({ db, params }) => getHost(db, params.id));

export const PATCH = route({ access: "hosts:manage", params: idParams, body: updateHostInput }, async ({ db, params, body, user, ip }) =>
  updateHost(db, params.id, body, user, ip),
);

export const DELETE = route({ access: "hosts:manage", params: idParams }, async ({ db, params, user, ip }) => {
  await deleteHost(db, params.id, user, ip);
  return { ok: true };
});
