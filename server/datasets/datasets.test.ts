// Datasets end to end in the domain layer: streamed uploads into a real (temporary) artifact
// store, versions, refusal of files that are not datasets with nothing kept, the worker's
// validation and profiling, and access by project role.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";
import { getDataset, getDatasetVersion, listDatasets, listDatasetsAcrossProjects } from "@/server/datasets/list-datasets";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";

const db = setupTestDb();
const root = mkdtempSync(path.join(os.tmpdir(), "artifacts-test-"));
const store = new LocalArtifactStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const objects = () => {
  const dir = path.join(root, "objects");
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [e.name]));
  try {
    return walk(dir);
  } catch {
    return [];
  }
};
const temps = () => {
  try {
    return readdirSync(path.join(root, "tmp"));
  } catch {
    return [];
  }
};

/** A body that arrives in small chunks, like a network upload. */
const chunked = (text: string | Buffer) => Readable.from((function* () {
  const buffer = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < buffer.length; i += 7) yield buffer.subarray(i, i + 7);
})());

async function project() {
  const { principal } = await makePrincipal(db, "data_scientist");
  const p = await createProject(db, { name: `D ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  return { principal, projectId: p.id };
}

describe("datasets", () => {
  it("stores an upload as version 1, the next upload as version 2, and profiles both in the worker", async () => {
    const { principal, projectId } = await project();
    const csv = "id,price,city\n1,9.5,Oslo\n2,,Lima\n3,12,Oslo\n";
    const first = await uploadDatasetVersion(db, store, projectId, { name: "houses", filename: "houses.csv" }, chunked(csv), principal);
    expect(first.version).toMatchObject({ version: 1, format: "csv", filename: "houses.csv", sizeBytes: csv.length, status: "processing" });
    const second = await uploadDatasetVersion(db, store, projectId, { name: "houses", filename: "houses-v2.jsonl" }, chunked('{"id": 1, "price": 3}\n{"id": 2, "price": null}\n'), principal);
    expect(second).toMatchObject({ datasetId: first.datasetId, version: { version: 2, format: "jsonl" } });

    expect(await processPendingDatasetVersions(db, store, 10)).toBe(2);
    const v1 = await getDatasetVersion(db, first.datasetId, 1, principal);
    expect(v1).toMatchObject({ status: "ready", rowCount: 3 });
    expect(v1.profile).toMatchObject({ kind: "table", rowCount: 3 });
    const price = v1.profile!.kind === "table" ? v1.profile!.columns.find((c) => c.name === "price") : undefined;
    expect(price).toMatchObject({ type: "float", missing: 1, min: 9.5, max: 12 });
    const dataset = await getDataset(db, first.datasetId, principal);
    expect(dataset.versions.map((v) => [v.version, v.status])).toEqual([
      [2, "ready"],
      [1, "ready"],
    ]);
    // Old versions stay usable: both files are kept, byte for byte.
    const again = await new Promise<string>((resolve) => {
      let text = "";
      store.read(v1.storageKey).on("data", (d) => (text += d)).on("end", () => resolve(text));
    });
    expect(again).toBe(csv);
    expect(v1.sha256).toMatch(/^[0-9a-f]{64}$/);
    const list = await listDatasets(db, projectId, principal);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: "houses", versionCount: 2, latest: { version: 2 } });
  });

  it("refuses a file that is no dataset, or too large, leaving nothing behind", async () => {
    const { principal, projectId } = await project();
    const before = objects().length;
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 0xff)]);
    const error = await expectAppError(uploadDatasetVersion(db, store, projectId, { name: "pic", filename: "pic.csv" }, chunked(png), principal), "validation_failed");
    expect(error.message).toMatch(/not a CSV, JSON Lines, Parquet or zip file|not valid UTF-8/i);
    await expectAppError(uploadDatasetVersion(db, store, projectId, { name: "empty", filename: "e.csv" }, chunked(""), principal), "validation_failed");
    await expectAppError(uploadDatasetVersion(db, store, projectId, { name: "big", filename: "b.csv" }, chunked("a,b\n".repeat(100)), principal, 50), "payload_too_large");
    expect(objects().length).toBe(before);
    expect(temps()).toEqual([]);
    expect(await listDatasets(db, projectId, principal)).toEqual([]);
  });

  it("marks a file that turns out broken as failed, says why, and deletes its bytes", async () => {
    const { principal, projectId } = await project();
    const upload = await uploadDatasetVersion(db, store, projectId, { name: "ragged", filename: "r.csv" }, chunked("a,b\n1,2\n3,4,5\n"), principal);
    const { storageKey } = await getDatasetVersion(db, upload.datasetId, 1, principal);
    await processPendingDatasetVersions(db, store);
    const version = await getDatasetVersion(db, upload.datasetId, 1, principal);
    expect(version.status).toBe("failed");
    expect(version.statusReason).toMatch(/line 3/i);
    expect(await store.size(storageKey)).toBeNull();
  });

  it("lets viewers read and only writers upload; outsiders see nothing", async () => {
    const { principal, projectId } = await project();
    const upload = await uploadDatasetVersion(db, store, projectId, { name: "x", filename: "x.csv" }, chunked("a\n1\n"), principal);
    const { principal: viewer } = await makePrincipal(db, "viewer");
    await setProjectMember(db, projectId, { userId: viewer.id, role: "viewer" }, principal);
    expect(await listDatasets(db, projectId, viewer)).toHaveLength(1);
    await expectAppError(uploadDatasetVersion(db, store, projectId, { name: "x", filename: "x.csv" }, chunked("a\n2\n"), viewer), "forbidden");
    const { principal: outsider } = await makePrincipal(db, "data_scientist");
    await expectAppError(getDataset(db, upload.datasetId, outsider), "not_found");
    await expectAppError(listDatasets(db, projectId, outsider), "not_found");
  });

  it("lists datasets across the projects where the caller's role may read them, searchable by name", async () => {
    const { principal, projectId } = await project();
    await uploadDatasetVersion(db, store, projectId, { name: "Churn 2026", filename: "c.csv" }, chunked("a\n1\n"), principal);
    const other = await project();
    await uploadDatasetVersion(db, store, other.projectId, { name: "elsewhere", filename: "e.csv" }, chunked("a\n1\n"), other.principal);
    const mine = await listDatasetsAcrossProjects(db, principal);
    expect(mine.map((d) => [d.name, d.projectId])).toEqual([["Churn 2026", projectId]]);
    expect(mine[0].projectName).toMatch(/^D /);
    expect(await listDatasetsAcrossProjects(db, principal, "churn")).toHaveLength(1);
    expect(await listDatasetsAcrossProjects(db, principal, "nothing")).toEqual([]);
    const { principal: admin } = await makePrincipal(db, "admin");
    expect((await listDatasetsAcrossProjects(db, admin)).map((d) => d.name).sort()).toEqual(["Churn 2026", "elsewhere"]);
    const { principal: labeler } = await makePrincipal(db, "labeler");
    await setProjectMember(db, projectId, { userId: labeler.id, role: "labeler" }, principal);
    expect(await listDatasetsAcrossProjects(db, labeler)).toEqual([]);
  });
});
