// The captured-data browser on both databases: capture and shadow files written by the router's
// own CaptureWriter into a real (local) artifact store are listed newest first across variants,
// filtered and paged, and read record by record with bodies decoded for display; keys outside the
// endpoint's own files (another endpoint, "..", other store areas), files of a deleted endpoint of
// the same name, and callers without access to the endpoint are refused.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { registerModelVersionInput } from "@/server/models/model-schemas";
import { registerFromUpload } from "@/server/models/register-model-version";
import { uploadModelFile } from "@/server/models/upload-model-file";
import { createEndpointInput } from "@/server/endpoints/endpoint-schemas";
import { createEndpoint } from "@/server/endpoints/manage-endpoints";
import { CaptureWriter, captureRecord, shadowRecord } from "@/server/endpoints/data-capture";
import { capturedFile, capturedFilesQuery, capturedRecordsQuery, listCapturedFiles, readCapturedRecords, SHOWN_CHARS } from "@/server/endpoints/captured-files";
import { dataCaptureConfig } from "@/lib/endpoints";
import type { Principal } from "@/server/auth/principal";
import type { CaptureRecordView, ShadowRecordView } from "@/lib/captured-data";

const db = setupTestDb();
const root = mkdtempSync(path.join(os.tmpdir(), "captured-test-"));
const store = new LocalArtifactStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3_600_000;
const config = dataCaptureConfig.parse({ samplingPercentage: 100 });
const csv = (text: string) => ({ contentType: "text/csv", body: Buffer.from(text) });
const json = (value: unknown) => ({ contentType: "application/json", body: Buffer.from(JSON.stringify(value)) });

async function endpointIn(principal: Principal, name: string) {
  const project = await createProject(db, { name: `C ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const up = await uploadModelFile(db, store, project.id, "model.joblib", Readable.from([Buffer.from([0x80, 0x04, 0x95])]), principal);
  const input = registerModelVersionInput.parse({ source: "upload", modelName: "churn", uploadId: up.uploadId, filename: "model.joblib", framework: "sklearn", inputs: [{ name: "x", type: "float" }] });
  if (input.source !== "upload") throw new Error("unreachable");
  const version = await registerFromUpload(db, store, project.id, input, principal);
  const endpoint = await createEndpoint(
    db,
    project.id,
    createEndpointInput.parse({
      name,
      dataCapture: { samplingPercentage: 100 },
      variants: [{ name: "AllTraffic", modelVersionId: version.id }, { name: "Shadow", modelVersionId: version.id, shadow: true }],
    }),
    principal,
  );
  return { project, endpoint };
}

/** An endpoint created `hoursAgo` hours ago (so its capture partitions can lie in the past). */
async function setup(hoursAgo = 3) {
  const { principal } = await makePrincipal(db, "data_scientist");
  const name = `churn-${Math.random().toString(36).slice(2, 8)}`;
  const { project, endpoint } = await endpointIn(principal, name);
  const createdAt = new Date(Date.now() - hoursAgo * HOUR);
  await db.endpoint.update({ where: { id: endpoint.id }, data: { createdAt } });
  return { principal, project, endpoint, name, createdAt };
}

/** Writes a file of raw lines where CaptureWriter would put one. */
async function writeRaw(key: string, text: string) {
  const pending = await store.write(Readable.from([Buffer.from(text)]), { maxBytes: 1 << 20 });
  await pending.commit(key);
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("captured data files", () => {
  it("lists capture files newest first across variants, with partition, size, time and records; filters by variant and hour; pages", async () => {
    const { principal, endpoint, name, createdAt } = await setup();
    const writer = new CaptureWriter(() => store);
    const at1 = new Date(createdAt.getTime() + HOUR);
    const at2 = new Date(createdAt.getTime() + 2 * HOUR);
    writer.add(name, "AllTraffic", captureRecord(config, csv("1,2"), json({ predictions: [1] }), at1), at1);
    writer.add(name, "AllTraffic", captureRecord(config, csv("3,4"), json({ predictions: [0] }), at1), at1);
    const [first] = await writer.flush();
    await tick();
    writer.add(name, "Canary", captureRecord(config, csv("5,6"), json({ predictions: [1] }), at1), at1);
    const [second] = await writer.flush();
    await tick();
    writer.add(name, "AllTraffic", captureRecord(config, csv("7,8"), json({ predictions: [0] }), at2), at2);
    const [third] = await writer.flush();
    // A shadow comparison lives apart from the capture files.
    writer.add(name, "Shadow", shadowRecord(csv("1,2"), { variant: "AllTraffic", status: 200, ...json({ p: 1 }) }, { variant: "Shadow", status: 200, ...json({ p: 1 }) }, 3.2, at1), at1, "shadow");
    const [shadowKey] = await writer.flush();

    const list = await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({}));
    expect(list.variants).toEqual(["AllTraffic", "Canary"]);
    expect(list.files.map((f) => f.key)).toEqual([third, second, first]);
    expect(list.next).toBeNull();
    const two = (n: number) => String(n).padStart(2, "0");
    const partition = (at: Date) => `${at.getUTCFullYear()}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${two(at.getUTCHours())}`;
    expect(list.files[0]).toMatchObject({ kind: "capture", variant: "AllTraffic", partition: partition(at2), records: 1 });
    expect(list.files[2]).toMatchObject({ variant: "AllTraffic", partition: partition(at1), records: 2 });
    expect(list.files[2].size).toBe((await store.size(first))!);
    expect(Math.abs(Date.parse(list.files[2].writtenAt) - Date.now())).toBeLessThan(60_000);

    const canary = await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({ variant: "Canary" }));
    expect(canary.files.map((f) => f.key)).toEqual([second]);
    const hour = await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({ hour: partition(at1) }));
    expect(hour.files.map((f) => f.key)).toEqual([second, first]);
    const day = await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({ hour: partition(at1).slice(0, 10) }));
    expect(day.files.length).toBe(partition(at1).slice(0, 10) === partition(at2).slice(0, 10) ? 3 : 2);

    // Pages of one: each `next` leads to the following file, the last page has none.
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({ limit: "1", ...(before ? { before } : {}) }));
      seen.push(...page.files.map((f) => f.key));
      if (!page.next) break;
      before = page.next;
    }
    expect(seen).toEqual([third, second, first]);

    const shadows = await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({ kind: "shadow" }));
    expect(shadows.variants).toEqual(["Shadow"]);
    expect(shadows.files.map((f) => f.key)).toEqual([shadowKey]);
    expect(shadows.files[0]).toMatchObject({ kind: "shadow", variant: "Shadow", records: 1 });

    // Bad queries name what is wrong.
    expect(capturedFilesQuery.safeParse({ kind: "logs" }).success).toBe(false);
    expect(capturedFilesQuery.safeParse({ hour: "2026/5" }).error?.issues[0].message).toContain("hour partition prefix");
    expect(capturedFilesQuery.safeParse({ before: "../x" }).error?.issues[0].message).toContain("`next` of the previous page");
    expect(capturedFilesQuery.safeParse({ variant: "../x" }).error?.issues[0].message).toBe("is not a variant name");
  });

  it("says nothing is there for an endpoint without captured data", async () => {
    const { principal, endpoint } = await setup();
    expect(await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({}))).toEqual({ files: [], variants: [], next: null });
    expect(await listCapturedFiles(db, store, endpoint.id, principal, capturedFilesQuery.parse({ kind: "shadow" }))).toEqual({ files: [], variants: [], next: null });
  });

  it("reads a capture file's records page by page, decoding CSV, JSON and base64 bodies for display; bad lines become error rows", async () => {
    const { principal, endpoint, name, createdAt } = await setup();
    const at = new Date(createdAt.getTime() + HOUR);
    const writer = new CaptureWriter(() => store);
    const octets = { contentType: "application/octet-stream", body: Buffer.from([0xff, 0x00, 0xfe, 0x80]) };
    const utf8Bytes = { contentType: "application/x-custom", body: Buffer.from("héllo <b>bold</b>") };
    writer.add(name, "AllTraffic", captureRecord(config, csv("5,90,basic"), json({ predictions: [{ predicted_label: "yes" }] }), at, "req-1"), at);
    writer.add(name, "AllTraffic", captureRecord(config, json({ instances: [[1, 2]] }), json({ predictions: [0] }), at), at);
    writer.add(name, "AllTraffic", captureRecord(config, utf8Bytes, octets, at), at);
    writer.add(name, "AllTraffic", captureRecord(dataCaptureConfig.parse({ captureOutput: false }), csv("x".repeat(SHOWN_CHARS + 10)), csv(""), at), at);
    const [key] = await writer.flush();

    const page = await readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key }));
    expect(page).toMatchObject({ offset: 0, total: 4, file: { key, kind: "capture", variant: "AllTraffic", records: 4 } });
    const [a, b, c, d] = page.records as CaptureRecordView[];
    expect(a).toMatchObject({ type: "capture", line: 1, inferenceId: "req-1", input: { contentType: "text/csv", encoding: "CSV", shownAs: "text", data: "5,90,basic", bytes: 10, truncated: false } });
    expect(a.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.inferenceTime).toBe(at.toISOString().replace(/\.\d{3}Z$/, "Z"));
    expect(JSON.parse(a.output!.data)).toEqual({ predictions: [{ predicted_label: "yes" }] });
    expect(b).toMatchObject({ inferenceId: null, input: { encoding: "JSON", shownAs: "text", data: '{"instances":[[1,2]]}' } });
    // BASE64 that is UTF-8 text is shown as text (as text: markup stays characters), binary stays base64.
    expect(c.input).toMatchObject({ encoding: "BASE64", shownAs: "text", data: "héllo <b>bold</b>", bytes: Buffer.byteLength("héllo <b>bold</b>") });
    expect(c.output).toMatchObject({ encoding: "BASE64", shownAs: "base64", data: Buffer.from([0xff, 0x00, 0xfe, 0x80]).toString("base64"), bytes: 4 });
    expect(d.output).toBeNull();
    expect(d.input).toMatchObject({ truncated: true, bytes: SHOWN_CHARS + 10 });
    expect(d.input!.data.length).toBe(SHOWN_CHARS);

    const second = await readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key, offset: "2", limit: "1" }));
    expect(second.total).toBe(4);
    expect(second.records.map((r) => r.line)).toEqual([3]);
    const past = await readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key, offset: "10" }));
    expect(past).toMatchObject({ total: 4, records: [] });

    // A damaged file: each line on its own, the good ones still shown.
    const good = JSON.stringify(captureRecord(config, csv("1"), csv("0"), at));
    const damaged = `${key.slice(0, key.lastIndexOf("/"))}/59-59-damaged.jsonl`;
    await writeRaw(damaged, `${good}\n{"captureData": {oops\n\n{"eventMetadata": {}}\n${JSON.stringify(captureRecord(config, { contentType: "image/png", body: Buffer.alloc(0) }, csv("0"), at)).replace('"data":""', '"data":"%%%"')}\n${good}`);
    const mixed = await readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key: damaged }));
    expect(mixed.total).toBe(5); // the empty line is no record
    expect(mixed.records.map((r) => [r.line, r.type])).toEqual([
      [1, "capture"],
      [2, "error"],
      [4, "error"],
      [5, "capture"],
      [6, "capture"],
    ]);
    expect(mixed.records[1]).toMatchObject({ error: expect.stringMatching(/^line 2 is not valid JSON: /), raw: '{"captureData": {oops' });
    expect(mixed.records[2]).toMatchObject({ error: expect.stringContaining("line 4 is not a data capture record: captureData:") });
    expect((mixed.records[3] as CaptureRecordView).input).toMatchObject({ shownAs: "text", data: "%%%", note: "marked BASE64 but is not valid base64: shown as stored" });
  });

  it("reads shadow comparisons with both answers, their statuses, the shadow's latency, and whether the answers differ", async () => {
    const { principal, endpoint, name, createdAt } = await setup();
    const at = new Date(createdAt.getTime() + HOUR);
    const writer = new CaptureWriter(() => store);
    const prod = (body: unknown) => ({ variant: "AllTraffic", status: 200, ...json(body) });
    writer.add(name, "Shadow", shadowRecord(csv("5,90,basic"), prod({ predictions: [{ label: "yes", score: 0.9 }] }), { variant: "Shadow", status: 200, contentType: "application/json", body: Buffer.from('{ "predictions": [ { "score": 0.9, "label": "yes" } ] }') }, 4.567, at, "id-7"), at, "shadow");
    writer.add(name, "Shadow", shadowRecord(csv("50,25,pro"), prod({ predictions: [{ label: "no" }] }), { variant: "Shadow", status: 200, ...json({ predictions: [{ label: "yes" }] }) }, 2, at), at, "shadow");
    writer.add(name, "Shadow", shadowRecord(csv("1,1,x"), prod({ predictions: [] }), { variant: "Shadow", status: 503, ...json({ error: { code: "unavailable" } }) }, 0.5, at), at, "shadow");
    const [key] = await writer.flush();
    expect(key.startsWith(`shadow/${name}/Shadow/`)).toBe(true);

    const page = await readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key }));
    expect(page.file).toMatchObject({ kind: "shadow", variant: "Shadow", records: 3 });
    const [same, differs, failed] = page.records as ShadowRecordView[];
    expect(same).toMatchObject({
      type: "shadow",
      inferenceId: "id-7",
      input: { contentType: "text/csv", encoding: "CSV", shownAs: "text", data: "5,90,basic" },
      production: { variant: "AllTraffic", status: 200, encoding: "JSON" },
      shadow: { variant: "Shadow", status: 200, latencyMs: 4.57 },
      differs: false, // same JSON value, other key order and spacing
    });
    expect(differs.differs).toBe(true);
    expect(failed).toMatchObject({ differs: true, shadow: { status: 503 } });

    // A shadow file read as what it is, whatever the caller thinks: a capture line in it is an error row.
    const stray = `${key.slice(0, key.lastIndexOf("/"))}/00-00-stray.jsonl`;
    await writeRaw(stray, `${JSON.stringify(captureRecord(config, csv("1"), csv("0"), at))}\n`);
    const read = await readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key: stray }));
    expect(read.records[0]).toMatchObject({ type: "error", error: expect.stringContaining("is not a shadow comparison record") });
  });

  it("refuses keys that are not this endpoint's captured files", async () => {
    const { principal, endpoint, name, createdAt } = await setup();
    const other = await setup();
    const at = new Date(createdAt.getTime() + HOUR);
    const writer = new CaptureWriter(() => store);
    writer.add(name, "AllTraffic", captureRecord(config, csv("1"), csv("0"), at), at);
    writer.add(other.name, "AllTraffic", captureRecord(config, csv("secret"), csv("0"), at), at);
    const [own, theirs] = await writer.flush();
    expect(theirs.startsWith(`capture/${other.name}/`)).toBe(true);
    const rel = own.split("/").slice(3).join("/");
    await writeRaw("models/x/secret.jsonl", "{}\n");

    const refused = [
      theirs, // another endpoint's file
      `capture/${name}/../${other.name}/AllTraffic/${rel}`,
      `capture/${name}/AllTraffic/../../${other.name}/AllTraffic/${rel}`,
      `../capture/${name}/AllTraffic/${rel}`,
      `capture/${name}/AllTraffic/${rel.split("/").slice(0, 4).join("/")}/..`,
      `/capture/${name}/AllTraffic/${rel}`,
      `capture/${name}/AllTraffic/${rel}/`,
      `capture/${name}/AllTraffic/${rel.replace(".jsonl", ".json")}`,
      `logs/${name}/AllTraffic/${rel}`,
      "models/x/secret.jsonl",
      `capture/${name}-x/AllTraffic/${rel}`,
    ];
    for (const key of refused) {
      const error = await expectAppError(readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key })), "validation_failed");
      expect(error.message).toBe(`key is not a captured-data file of endpoint ${name}: expected capture/${name}/<variant>/yyyy/mm/dd/hh/<file>.jsonl or shadow/${name}/<variant>/…`);
      expect(error.issues?.[0].path).toBe("key");
      await expectAppError(capturedFile(db, store, endpoint.id, principal, key), "validation_failed");
    }
    // The right shape, but nothing there.
    await expectAppError(readCapturedRecords(db, store, endpoint.id, principal, capturedRecordsQuery.parse({ key: own.replace(/[^/]+$/, "00-00-missing.jsonl") })), "not_found");
    // The other endpoint reads its own file.
    expect((await readCapturedRecords(db, store, other.endpoint.id, other.principal, capturedRecordsQuery.parse({ key: theirs }))).records).toHaveLength(1);
    expect(capturedRecordsQuery.safeParse({}).error?.issues[0].path).toEqual(["key"]);
    expect(capturedRecordsQuery.safeParse({ key: own, limit: "1000" }).success).toBe(false);
  });

  it("hides what a deleted endpoint of the same name captured, and what lies in partitions before the endpoint", async () => {
    const { principal } = await makePrincipal(db, "data_scientist");
    const name = `reused-${Math.random().toString(36).slice(2, 8)}`;
    const first = await endpointIn(principal, name);
    const writer = new CaptureWriter(() => store);
    const now = new Date();
    writer.add(name, "AllTraffic", captureRecord(config, csv("first endpoint's request"), csv("0"), now), now);
    const earlier = new Date(now.getTime() - 5 * HOUR);
    writer.add(name, "AllTraffic", captureRecord(config, csv("long ago"), csv("0"), earlier), earlier);
    const keys = await writer.flush();
    await tick();
    await db.endpoint.delete({ where: { id: first.endpoint.id } });

    // Someone else, in another project, takes the name.
    const { principal: someone } = await makePrincipal(db, "data_scientist");
    const second = await endpointIn(someone, name);
    expect((await listCapturedFiles(db, store, second.endpoint.id, someone, capturedFilesQuery.parse({}))).files).toEqual([]);
    for (const key of keys) await expectAppError(readCapturedRecords(db, store, second.endpoint.id, someone, capturedRecordsQuery.parse({ key })), "not_found");
    const later = new Date(Date.now() + 1000);
    writer.add(name, "AllTraffic", captureRecord(config, csv("second endpoint's request"), csv("0"), later), later);
    const [own] = await writer.flush();
    const list = await listCapturedFiles(db, store, second.endpoint.id, someone, capturedFilesQuery.parse({}));
    expect(list.files.map((f) => f.key)).toEqual([own]);
  });

  it("lets whoever may read the endpoint read its captured data, and nobody else", async () => {
    const { principal, project, endpoint, name, createdAt } = await setup();
    const at = new Date(createdAt.getTime() + HOUR);
    const writer = new CaptureWriter(() => store);
    writer.add(name, "AllTraffic", captureRecord(config, csv("1"), csv("0"), at), at);
    const [key] = await writer.flush();

    const { user: outsiderUser, principal: outsider } = await makePrincipal(db, "data_scientist");
    await expectAppError(listCapturedFiles(db, store, endpoint.id, outsider, capturedFilesQuery.parse({})), "not_found");
    await expectAppError(readCapturedRecords(db, store, endpoint.id, outsider, capturedRecordsQuery.parse({ key })), "not_found");
    await expectAppError(capturedFile(db, store, endpoint.id, outsider, key), "not_found");
    // An outsider's own endpoint does not open another's files either.
    const theirs = await endpointIn(outsider, `theirs-${Math.random().toString(36).slice(2, 8)}`);
    await expectAppError(readCapturedRecords(db, store, theirs.endpoint.id, outsider, capturedRecordsQuery.parse({ key })), "validation_failed");

    // A viewer of the project reads it; so does a studio admin.
    const { user: viewerUser, principal: viewer } = await makePrincipal(db, "viewer");
    await setProjectMember(db, project.id, { userId: viewerUser.id, role: "viewer" }, principal);
    expect((await listCapturedFiles(db, store, endpoint.id, viewer, capturedFilesQuery.parse({}))).files.map((f) => f.key)).toEqual([key]);
    expect((await readCapturedRecords(db, store, endpoint.id, viewer, capturedRecordsQuery.parse({ key }))).total).toBe(1);
    const { principal: admin } = await makePrincipal(db, "admin");
    expect((await readCapturedRecords(db, store, endpoint.id, admin, capturedRecordsQuery.parse({ key }))).total).toBe(1);
    expect(outsiderUser.id).not.toBe(viewerUser.id);
  });
});
