// GET /api/datasets/[id]/versions/[version] – one version with its profile (schema, stats, first rows)
import { route } from "@/server/http/route";
import { getDatasetVersion } from "@/server/datasets/list-datasets";
import { versionParams } from "@/server/datasets/dataset-schemas";

export const GET = route({ access: "datasets:read", sdk: true, params: versionParams }, async ({ db, params, user }) => {
  const { storageKey: _key, ...version } = await getDatasetVersion(db, params.id, params.version, user);
  void _key;
  return version;
});
