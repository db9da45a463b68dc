// Scale-out export on both databases: an endpoint as KServe InferenceService manifests, checked
// against the fields KServe's v1beta1 API documents (InferenceService → spec.predictor →
// model: modelFormat.name, protocolVersion, storageUri; canaryTrafficPercent), and as YAML that
// parses back to the same documents.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createProject } from "@/server/projects/create-project";
import { registerModelVersionInput } from "@/server/models/model-schemas";
import { registerFromUpload } from "@/server/models/register-model-version";
import { uploadModelFile } from "@/server/models/upload-model-file";
import { getModelVersion } from "@/server/models/list-models";
import { createEndpointInput } from "@/server/endpoints/endpoint-schemas";
import { createEndpoint } from "@/server/endpoints/manage-endpoints";
import { exportInferenceService, serviceName, storagePrefixSchema, toYaml } from "@/server/endpoints/kserve-export";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();
const root = mkdtempSync(path.join(os.tmpdir(), "kserve-test-"));
const store = new LocalArtifactStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

// What KServe v1beta1 documents for these objects (the keys this export may use).
const PREDICTOR_FIELDS = new Set(["minReplicas", "maxReplicas", "canaryTrafficPercent", "model", "scaleTarget", "scaleMetric", "containerConcurrency", "timeout", "serviceAccountName"]);
const MODEL_FIELDS = new Set(["modelFormat", "protocolVersion", "storageUri", "runtime", "resources", "env", "args"]);
const MODEL_FORMATS = new Set(["sklearn", "xgboost", "onnx", "pytorch", "tensorflow", "lightgbm", "triton", "huggingface", "pmml", "paddle"]);

async function version(principal: Principal, projectId: string, name: string, framework: "sklearn" | "xgboost", file: { filename: string; bytes: Buffer }) {
  const up = await uploadModelFile(db, store, projectId, file.filename, Readable.from([file.bytes]), principal);
  const input = registerModelVersionInput.parse({ source: "upload", modelName: name, uploadId: up.uploadId, filename: file.filename, framework, inputs: [{ name: "x", type: "float" }] });
  if (input.source !== "upload") throw new Error("unreachable");
  return registerFromUpload(db, store, projectId, input, principal);
}

describe("KServe export", () => {
  it("writes a v2 InferenceService per revision, the second as the canary with its share", async () => {
    const { principal } = await makePrincipal(db, "data_scientist");
    const project = await createProject(db, { name: `K ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const stable = await version(principal, project.id, "churn", "sklearn", { filename: "model.joblib", bytes: Buffer.from([0x80, 0x04, 0x95]) });
    const booster = await version(principal, project.id, "churn-xgb", "xgboost", { filename: "model.json", bytes: Buffer.from('{"learner": {}}') });
    const endpoint = await createEndpoint(
      db,
      project.id,
      createEndpointInput.parse({ name: "7churn", variants: [{ name: "Canary", modelVersionId: booster.id, weight: 30 }, { name: "Stable", modelVersionId: stable.id, weight: 70, replicas: 2 }] }),
      principal,
    );
    const docs = await exportInferenceService(db, endpoint.id, principal, { storagePrefix: "s3://models/", namespace: "ml" });
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      expect(doc.apiVersion).toBe("serving.kserve.io/v1beta1");
      expect(doc.kind).toBe("InferenceService");
      expect(doc.metadata.name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
      expect(doc.metadata.name.length).toBeLessThanOrEqual(63);
      expect(doc.metadata.namespace).toBe("ml");
      expect(Object.keys(doc.spec)).toEqual(["predictor"]);
      for (const key of Object.keys(doc.spec.predictor)) expect(PREDICTOR_FIELDS.has(key), key).toBe(true);
      for (const key of Object.keys(doc.spec.predictor.model)) expect(MODEL_FIELDS.has(key), key).toBe(true);
      expect(MODEL_FORMATS.has(doc.spec.predictor.model.modelFormat.name)).toBe(true);
      expect(doc.spec.predictor.model.protocolVersion).toBe("v2");
      expect(Number.isInteger(doc.spec.predictor.minReplicas) && doc.spec.predictor.minReplicas >= 0).toBe(true);
      expect(doc.spec.predictor.maxReplicas).toBeGreaterThanOrEqual(doc.spec.predictor.minReplicas);
    }
    expect(docs[0].metadata.name).toBe("ep-7churn");
    expect(docs[0].spec.predictor).toMatchObject({ minReplicas: 2, model: { modelFormat: { name: "sklearn" }, storageUri: "s3://models/churn/v1/" } });
    expect(docs[0].spec.predictor.canaryTrafficPercent).toBeUndefined();
    expect(docs[1].spec.predictor).toMatchObject({ canaryTrafficPercent: 30, model: { modelFormat: { name: "xgboost" }, storageUri: "s3://models/churn-xgb/v1/" } });

    // The version knows where it went.
    expect((await getModelVersion(db, stable.id, principal)).deployments).toEqual([{ endpointId: endpoint.id, endpointName: "7churn", variants: ["Stable"], status: "Creating" }]);

    const text = toYaml(docs);
    expect(yaml.loadAll(text)).toEqual(JSON.parse(JSON.stringify(docs)));
  });

  it("refuses more than two variants and storage that is not a URI", async () => {
    const { principal } = await makePrincipal(db, "data_scientist");
    const project = await createProject(db, { name: `K ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const v = await version(principal, project.id, "m", "sklearn", { filename: "model.joblib", bytes: Buffer.from([0x80, 0x04]) });
    const endpoint = await createEndpoint(db, project.id, createEndpointInput.parse({ name: "three", variants: ["a", "b", "c"].map((name) => ({ name, modelVersionId: v.id })) }), principal);
    const refused = await expectAppError(exportInferenceService(db, endpoint.id, principal, { storagePrefix: "s3://m" }), "validation_failed");
    expect(refused.message).toContain("two revisions");
    expect(storagePrefixSchema.safeParse("/var/models").success).toBe(false);
    expect(storagePrefixSchema.safeParse("pvc://models-claim/studio").success).toBe(true);
    expect(serviceName("Churn-V1")).toBe("churn-v1");
  });
});
