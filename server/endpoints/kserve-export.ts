import "server-only";
import yaml from "js-yaml";
import { z } from "zod";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import { getEndpoint } from "@/server/endpoints/manage-endpoints";
import { jsonValue } from "@/server/db-driver";
import { isRouted } from "@/lib/endpoints";

// Scale-out: an endpoint as a KServe InferenceService (serving.kserve.io/v1beta1) that a
// Kubernetes cluster runs with the V2 (Open Inference) protocol. KServe's canary rollout holds two
// revisions: one variant → a predictor; two → the heavier one as the stable model and the other as
// the canary with canaryTrafficPercent (KServe applies it to the newest revision on apply).

/** KServe's modelFormat names, by how the studio stores the model. */
function modelFormat(framework: string, loader: string | undefined): "sklearn" | "xgboost" | "onnx" | "pytorch" {
  if (framework === "onnx" || loader === "onnx") return "onnx";
  if (framework === "pytorch" || loader === "torchscript") return "pytorch";
  // An XGBoost booster file is what KServe's xgboost runtime loads; a pickled XGBClassifier is a
  // scikit-learn estimator to it (its sklearn runtime loads model.joblib and calls predict).
  if (loader === "xgboost") return "xgboost";
  return "sklearn";
}

/** A DNS-1035 label, as Kubernetes wants InferenceService names: lowercase, starting with a letter. */
export function serviceName(endpointName: string): string {
  const name = endpointName.toLowerCase();
  return (/^[a-z]/.test(name) ? name : `ep-${name}`).slice(0, 63).replace(/-+$/, "");
}

export const storagePrefixSchema = z
  .string()
  .trim()
  .regex(/^(s3|gs|pvc|https?|hdfs|webhdfs|oci):\/\/\S+$/, "is where the cluster finds the model folders: s3://, gs://, pvc://, https://, hdfs:// or oci://");

export interface InferenceService {
  apiVersion: "serving.kserve.io/v1beta1";
  kind: "InferenceService";
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    predictor: {
      minReplicas: number;
      maxReplicas: number;
      canaryTrafficPercent?: number;
      model: { modelFormat: { name: string }; protocolVersion: "v2"; storageUri: string };
    };
  };
}

/**
 * The endpoint as InferenceService manifests: the stable one, and (two variants) the same service
 * with the canary's model and its share. `storagePrefix` is where the model folders are copied
 * for the cluster (s3://, gs://, pvc://, https://…): {storagePrefix}/{model}/v{version}/.
 */
export async function exportInferenceService(db: Db, endpointId: string, principal: Principal, options: { storagePrefix: string; namespace?: string }): Promise<InferenceService[]> {
  const endpoint = await getEndpoint(db, endpointId, principal);
  // What serves traffic now (a shadow, or an update still starting, has no KServe counterpart here).
  if (endpoint.multiModel) {
    throw new AppError("validation_failed", `Endpoint ${endpoint.name} is a multi-model endpoint; the KServe export writes one InferenceService per model version (TrainedModel resources are not written yet).`, {
      issues: [{ path: "multiModel", message: "not exported to KServe yet" }],
    });
  }
  const serving = endpoint.variants.filter(isRouted).flatMap((v) => (v.modelVersion ? [{ ...v, modelVersion: v.modelVersion }] : []));
  if (serving.length > 2) {
    throw new AppError("validation_failed", `variants: KServe's canary rollout holds two revisions; endpoint ${endpoint.name} has ${serving.length} variants.`, {
      issues: [{ path: "variants", message: "at most 2 for a KServe export" }],
    });
  }
  const ordered = [...serving].sort((a, b) => b.weight - a.weight);
  const versions = await db.modelVersion.findMany({ where: { id: { in: ordered.map((v) => v.modelVersion.id) } }, select: { id: true, manifest: true } });
  const total = ordered.reduce((sum, v) => sum + v.weight, 0);
  const prefix = options.storagePrefix.replace(/\/+$/, "");
  const manifest = (variant: (typeof ordered)[number], canaryPercent?: number): InferenceService => {
    const loader = jsonValue<{ loader?: string }>(versions.find((v) => v.id === variant.modelVersion.id)?.manifest, {}).loader;
    return {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: {
        name: serviceName(endpoint.name),
        ...(options.namespace ? { namespace: options.namespace } : {}),
        labels: { "app.kubernetes.io/managed-by": "studio", "studio/endpoint": endpoint.name },
        annotations: { "studio/variant": variant.name, "studio/model-version": `${variant.modelVersion.modelName} v${variant.modelVersion.version}` },
      },
      spec: {
        predictor: {
          minReplicas: variant.replicas,
          maxReplicas: Math.max(variant.replicas, ordered.reduce((sum, v) => sum + v.replicas, 0)),
          ...(canaryPercent !== undefined ? { canaryTrafficPercent: canaryPercent } : {}),
          model: {
            modelFormat: { name: modelFormat(variant.modelVersion.framework, loader) },
            protocolVersion: "v2",
            storageUri: `${prefix}/${variant.modelVersion.modelName}/v${variant.modelVersion.version}/`,
          },
        },
      },
    };
  };
  if (ordered.length === 1) return [manifest(ordered[0])];
  const canaryShare = total > 0 ? Math.round((ordered[1].weight / total) * 100) : 0;
  return [manifest(ordered[0]), manifest(ordered[1], canaryShare)];
}

/** Manifests as one YAML stream for `kubectl apply -f`. */
export function toYaml(docs: InferenceService[]): string {
  return docs.map((doc, i) => (i === 1 ? "# KServe sends canaryTrafficPercent of the traffic to this revision: apply it after the first.\n" : "") + yaml.dump(doc, { lineWidth: -1 })).join("---\n");
}
