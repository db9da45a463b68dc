// Reviewing boxes and entities in Chromium against a real studio (web + worker): two labelers
// disagree (through the API; the queue page has its own spec), the worker sends the item to review,
// and the data scientist corrects it in the labelers' own editor by keyboard — a box moved, an
// entity relabeled and one added — with each worker's objects shown beside; COCO and the Ground
// Truth manifest carry the correction.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import sharp from "sharp";
import { admin, apiAs, people, signInPage } from "../fixtures/studio";

const labelers = [people.labeler, { email: "labeler2@e2e.test", password: "labeler2-e2e-password", name: "Lou Labeler", role: "labeler" }];

/** A job of two workers per item on an uploaded dataset; each labeler answers every item with `answers[k]`. */
async function disagreedJob(filename: string, body: Buffer, job: Record<string, unknown>, answers: unknown[]): Promise<string> {
  const root = await apiAs(admin);
  expect([201, 409]).toContain((await root.post("/api/users", { data: labelers[1] })).status());
  await root.dispose();
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Review objects e2e ${Date.now()}` } })).json();
  const directory = (await (await ds.get("/api/users/directory")).json()) as { id: string; email: string }[];
  const ids = labelers.map((p) => directory.find((u) => u.email === p.email)!.id);
  for (const id of ids) expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: id, role: "labeler" } })).status()).toBe(200);
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=${filename.split(".")[0]}&filename=${filename}`, { data: body, headers: { "Content-Type": "application/octet-stream" } });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId, version } = await upload.json();
  await expect.poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].status, { timeout: 30_000 }).toBe("ready");
  const created = await ds.post(`/api/projects/${project.id}/labeling-jobs`, { data: { ...job, datasetVersionId: version.id, workersPerItem: 2, workerIds: ids } });
  expect(created.status(), await created.text()).toBe(201);
  const jobId = (await created.json()).job.id as string;
  await expect.poll(async () => (await (await ds.get(`/api/labeling/jobs/${jobId}`)).json()).job.status, { timeout: 30_000 }).toBe("in_progress");
  await ds.dispose();
  for (const [k, person] of labelers.entries()) {
    const api = await apiAs(person);
    const { queue } = await (await api.post(`/api/labeling/jobs/${jobId}/claim`)).json();
    const res = await api.post(`/api/labeling/jobs/${jobId}/assignments/${queue.item.assignmentId}/submit`, { data: { answer: answers[k] } });
    expect(res.status(), await res.text()).toBe(200);
    await api.dispose();
  }
  return jobId;
}

/** The reviewer's page for the job, once the worker has sent the item to review. */
async function reviewPage(page: Page, jobId: string) {
  await signInPage(page, people.dataScientist);
  await page.goto(`/labeling/${jobId}`);
  await expect(page.getByTestId("review-backlog")).toHaveText("1 waiting · 0 reviewed", { timeout: 30_000 });
  await page.goto(`/labeling/review/${jobId}`);
  await expect(page.getByTestId("review-answers").locator(":scope > li")).toHaveCount(2);
}

/** Decides with Enter, then downloads an export from the job page. */
async function saveAndExport(page: Page, jobId: string, format: string): Promise<string> {
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Nothing left to review in this job.");
  await page.goto(`/labeling/${jobId}`);
  await expect(page.getByTestId("review-backlog")).toHaveText("0 waiting · 1 reviewed");
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("region", { name: "Exports" }).getByRole("link", { name: format, exact: true }).click()]);
  return readFileSync((await file.path())!, "utf8");
}

test("a reviewer moves a box the workers disagreed on by keyboard; COCO holds the corrected box", async ({ browser }) => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "review-boxes-e2e-"));
  writeFileSync(`${dir}/a.png`, await sharp({ create: { width: 100, height: 80, channels: 3, background: "#6b8e23" } }).png().toBuffer());
  execFileSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.write(sys.argv[2], 'yard/a.png'); z.close()", `${dir}/yard.zip`, `${dir}/a.png`]);
  const zip = readFileSync(`${dir}/yard.zip`);
  rmSync(dir, { recursive: true, force: true });
  const cat = { classId: 0, left: 10, top: 10, width: 30, height: 20 };
  const dog = { classId: 1, left: 60, top: 40, width: 20, height: 20 };
  // The first labeler sees a cat and a dog, the second only the cat (2 px to the right).
  const jobId = await disagreedJob("yard.zip", zip, { name: "yard-objects", taskType: "bounding-box", labels: [{ name: "cat" }, { name: "dog" }] }, [{ boxes: [cat, dog] }, { boxes: [{ ...cat, left: 12 }] }]);

  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await reviewPage(page, jobId);
  await expect(page.getByTestId("review-reasons")).toContainText("the workers marked different numbers of boxes (2, 1)");
  await expect(page.getByTestId("box-row-1")).toHaveText("1. cat: 11, 10 · 30 × 20");
  await expect(page.getByTestId("box-row-2")).toHaveText("2. dog: 60, 40 · 20 × 20");
  await expect(page.getByTestId("reference-1").locator("rect")).toHaveCount(2);
  await expect(page.getByTestId("reference-2").locator("rect")).toHaveCount(1);
  await page.screenshot({ path: "test-results/review-boxes.png" });
  await page.getByRole("button", { name: /W2/ }).click();
  await expect(page.getByTestId("reference-2").locator("rect")).toHaveCount(0);
  // Tab selects the cat; Shift+→ moves it 10 px, ↓ 1 px.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("ArrowDown");
  await expect(page.getByTestId("box-row-1")).toHaveText("1. cat: 21, 11 · 30 × 20");
  await expect(page.getByRole("button", { name: /Save correction/ })).toBeVisible();

  const coco = JSON.parse(await saveAndExport(page, jobId, "COCO"));
  expect(coco.annotations).toEqual([
    { id: 1, image_id: 1, category_id: 1, bbox: [21, 11, 30, 20], area: 600, iscrowd: 0, segmentation: [] },
    { id: 2, image_id: 1, category_id: 2, bbox: [60, 40, 20, 20], area: 400, iscrowd: 0, segmentation: [] },
  ]);
  await context.close();
});

test("a reviewer fixes an entity the workers disagreed on by keyboard; the manifest holds it", async ({ browser }) => {
  test.setTimeout(120_000);
  const text = "Ada Lovelace met Charles Babbage in London.";
  const ada = { start: 0, end: 12, label: 0 };
  // London: a place to the first labeler, a person to the second.
  const answers = [{ spans: [ada, { start: 36, end: 42, label: 1 }] }, { spans: [ada, { start: 36, end: 42, label: 0 }] }];
  const jobId = await disagreedJob("bios.csv", Buffer.from(`id,bio\n1,"${text}"\n`), { name: "bio-review", taskType: "named-entity-recognition", textField: "bio", labels: [{ name: "person" }, { name: "place" }] }, answers);

  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await reviewPage(page, jobId);
  await expect(page.getByTestId("review-reasons")).toContainText("the workers gave some entities different labels");
  await expect(page.getByTestId("review-answers")).toContainText("place: London");
  await expect(page.getByTestId("review-answers")).toContainText("person: London");
  // London (the seventh word) → place; Charles Babbage (words 4–5) → person.
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("2");
  await page.keyboard.press("Home");
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("1");
  const panel = page.getByRole("complementary", { name: "Entities marked" });
  await expect(panel.getByRole("listitem")).toHaveText(["person: Ada Lovelace×", "person: Charles Babbage×", "place: London×"]);
  await page.screenshot({ path: "test-results/review-entities.png" });

  const [line] = (await saveAndExport(page, jobId, "Ground Truth output manifest")).trim().split("\n").map((l) => JSON.parse(l));
  expect(line).toMatchObject({
    source: text,
    "bio-review": {
      annotations: {
        entities: [
          { startOffset: 0, endOffset: 12, label: "person" },
          { startOffset: 17, endOffset: 32, label: "person" },
          { startOffset: 36, endOffset: 42, label: "place" },
        ],
      },
    },
    "bio-review-metadata": { entities: [{ confidence: 1 }, { confidence: 1 }, { confidence: 1 }], "human-annotated": "yes" },
  });
  await context.close();
});
