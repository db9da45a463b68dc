// Importing boxes in Chromium against a real studio (web + worker): a box job labeled through the
// API is exported as COCO; the COCO file is uploaded through the import form with the zip of its
// images picked; the imported job's COCO export is the same file, byte for byte.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import sharp from "sharp";
import { apiAs, people, signInPage } from "../fixtures/studio";

test("a COCO export imports back through the form, with its images' zip picked, and exports identical", async ({ page }) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "e2e-import-objects-"));
  const frame = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#6b8e23" } }).png().toBuffer();
  writeFileSync(`${dir}/a.png`, await frame(200, 100));
  writeFileSync(`${dir}/b.png`, await frame(120, 120));
  execFileSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.write(sys.argv[2], 'shots/a.png'); z.write(sys.argv[3], 'shots/b.png'); z.close()", `${dir}/shots.zip`, `${dir}/a.png`, `${dir}/b.png`]);
  const zip = readFileSync(`${dir}/shots.zip`);
  rmSync(dir, { recursive: true, force: true });

  // A box job on the zip, labeled through the API by one labeler (each image known by its width).
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Import objects e2e ${Date.now()}` } })).json();
  const directory = (await (await ds.get("/api/users/directory")).json()) as { id: string; email: string }[];
  const labelerId = directory.find((u) => u.email === people.labeler.email)!.id;
  expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: labelerId, role: "labeler" } })).status()).toBe(200);
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=shots&filename=shots.zip`, { data: zip, headers: { "Content-Type": "application/octet-stream" } });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId, version } = await upload.json();
  await expect.poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].status, { timeout: 30_000 }).toBe("ready");
  const created = await ds.post(`/api/projects/${project.id}/labeling-jobs`, { data: { name: "shot-objects", taskType: "bounding-box", datasetVersionId: version.id, labels: [{ name: "cat" }, { name: "dog" }], workersPerItem: 1, workerIds: [labelerId] } });
  expect(created.status(), await created.text()).toBe(201);
  const { job } = await created.json();
  await expect.poll(async () => (await (await ds.get(`/api/labeling/jobs/${job.id}`)).json()).job.status, { timeout: 30_000 }).toBe("in_progress");
  const labeler = await apiAs(people.labeler);
  const boxes: Record<number, unknown[]> = { 200: [{ classId: 0, left: 10, top: 12, width: 50, height: 40 }, { classId: 1, left: 120, top: 30, width: 60, height: 50 }], 120: [{ classId: 1, left: 5, top: 6, width: 70, height: 80 }] };
  for (;;) {
    const { queue } = await (await labeler.post(`/api/labeling/jobs/${job.id}/claim`)).json();
    if (!queue.item) break;
    const res = await labeler.post(`/api/labeling/jobs/${job.id}/assignments/${queue.item.assignmentId}/submit`, { data: { answer: { boxes: boxes[queue.item.width] } } });
    expect(res.status(), await res.text()).toBe(200);
  }
  await labeler.dispose();
  await expect.poll(async () => (await (await ds.get(`/api/labeling/jobs/${job.id}`)).json()).job.status, { timeout: 60_000 }).toBe("completed");
  const coco = await (await ds.get(`/api/labeling/jobs/${job.id}/export/coco`)).text();
  expect(JSON.parse(coco).annotations).toHaveLength(3);
  await ds.dispose();

  // Through the import form: the COCO file uploaded, the zip picked.
  await signInPage(page, people.dataScientist);
  await page.goto("/labeling/import");
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Import labels" }) });
  await form.getByLabel("Project").selectOption({ label: project.name });
  await form.getByLabel("Job name").fill("shots-from-coco");
  await form.getByLabel("…or upload one").setInputFiles({ name: "shot-objects-coco.json", mimeType: "application/json", buffer: Buffer.from(coco) });
  await form.getByLabel(/^Images/).selectOption({ label: "shots v1" });
  await page.screenshot({ path: "test-results/labeling-import-coco.png", fullPage: true });
  await form.getByRole("button", { name: "Import labels" }).click();
  await expect(page).toHaveURL(/\/labeling\/(?!import$)[^/]+$/, { timeout: 30_000 });
  await expect(page.getByText("Completed")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/Imported 2 labels from .* \(a COCO file\)\./)).toBeVisible();
  await expect(page.getByTestId("item-0")).toContainText("cat (10, 12, 50 × 40)");
  await page.screenshot({ path: "test-results/labeling-imported-coco.png", fullPage: true });
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "COCO", exact: true }).click()]);
  expect(readFileSync((await file.path())!, "utf8")).toBe(coco);
});
