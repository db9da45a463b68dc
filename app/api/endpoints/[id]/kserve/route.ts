// GET /api/endpoints/[id]/kserve?storagePrefix=s3://bucket/models[&namespace=][&format=json] – the
// endpoint as KServe InferenceService manifests (YAML for kubectl apply, or JSON)
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { exportInferenceService, serviceName, storagePrefixSchema, toYaml } from "@/server/endpoints/kserve-export";

const query = z.object({
  storagePrefix: storagePrefixSchema,
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "is a Kubernetes namespace").max(63).optional(),
  format: z.enum(["yaml", "json"]).default("yaml"),
});

export const GET = route({ access: "models:read", params: idParams, query }, async ({ db, params, query: q, user }) => {
  const manifests = await exportInferenceService(db, params.id, user, q);
  if (q.format === "json") return { manifests };
  return new Response(toYaml(manifests), {
    headers: {
      "Content-Type": "application/yaml; charset=utf-8",
      "Content-Disposition": `attachment; filename="${serviceName(manifests[0].metadata.name)}-inferenceservice.yaml"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
});
