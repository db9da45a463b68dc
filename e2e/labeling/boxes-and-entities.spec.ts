// Bounding boxes and named entities in Chromium against a real studio, at 1280×720: a labeler
// draws boxes with the mouse, then moves, resizes, reclassifies and deletes them by keyboard; marks
// entities with the keyboard only; the data scientist downloads the Ground Truth manifest and COCO
// from the job page and they hold exactly what was drawn and marked.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext, type Download, type Page } from "@playwright/test";
import sharp from "sharp";
import { apiAs, people, signInPage } from "../fixtures/studio";

/** A project with the labeler in it, a dataset uploaded to it, and a job on the dataset (1 worker per item). */
async function jobOn(ds: APIRequestContext, filename: string, body: Buffer, job: Record<string, unknown>): Promise<string> {
  const project = await (await ds.post("/api/projects", { data: { name: `Objects e2e ${Date.now()}` } })).json();
  const directory = (await (await ds.get("/api/users/directory")).json()) as { id: string; email: string }[];
  const labeler = directory.find((u) => u.email === people.labeler.email)!.id;
  expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: labeler, role: "labeler" } })).status()).toBe(200);
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=${filename.split(".")[0]}&filename=${filename}`, { data: body, headers: { "Content-Type": "application/octet-stream" } });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId } = await upload.json();
  await expect.poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0], { timeout: 30_000 }).toMatchObject({ status: "ready" });
  const versionId = (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].id;
  const created = await ds.post(`/api/projects/${project.id}/labeling-jobs`, { data: { ...job, datasetVersionId: versionId, workersPerItem: 1, workerIds: [labeler] } });
  expect(created.status(), await created.text()).toBe(201);
  const { job: view } = await created.json();
  await expect.poll(async () => (await (await ds.get(`/api/labeling/jobs/${view.id}`)).json()).job.status, { timeout: 30_000 }).toBe("in_progress");
  return view.id;
}

async function labelerQueue(page: Page, jobId: string) {
  await signInPage(page, people.labeler);
  await page.goto(`/labeling/queue/${jobId}`);
}

/** Where image pixel (x, y) is on the screen. */
async function screenPoint(page: Page, size: { width: number; height: number }, x: number, y: number) {
  const rect = (await page.locator("[data-picture]").boundingBox())!;
  return { x: rect.x + (x / size.width) * rect.width, y: rect.y + (y / size.height) * rect.height };
}

async function drag(page: Page, size: { width: number; height: number }, from: [number, number], to: [number, number]) {
  const a = await screenPoint(page, size, ...from);
  const b = await screenPoint(page, size, ...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  await page.mouse.up();
}

/** A box's row in the side panel: "1. dog: 20, 20 · 100 × 50". */
async function boxRow(page: Page, n: number) {
  const text = (await page.getByTestId(`box-row-${n}`).textContent()) ?? "";
  const m = /^\d+\. (\w+): (\d+), (\d+) · (\d+) × (\d+)$/.exec(text.trim());
  expect(m, text).not.toBeNull();
  return { label: m![1], left: Number(m![2]), top: Number(m![3]), width: Number(m![4]), height: Number(m![5]) };
}

const json = async (download: Download) => readFileSync((await download.path())!, "utf8");

test("a labeler draws, nudges, resizes and deletes boxes; the manifest and COCO hold them", async ({ browser }) => {
  test.setTimeout(120_000);
  const ds = await apiAs(people.dataScientist);
  const frame = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#6b8e23" } }).png().toBuffer();
  // The zip is written by Python's zipfile (on every machine that runs the studio).
  const dir = mkdtempSync(path.join(os.tmpdir(), "boxes-e2e-"));
  writeFileSync(`${dir}/a.png`, await frame(200, 100));
  writeFileSync(`${dir}/b.png`, await frame(120, 120));
  execFileSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); z.write(sys.argv[2], 'frames/a.png'); z.write(sys.argv[3], 'frames/b.png'); z.close()", `${dir}/frames.zip`, `${dir}/a.png`, `${dir}/b.png`]);
  const zip = readFileSync(`${dir}/frames.zip`);
  rmSync(dir, { recursive: true, force: true });
  const jobId = await jobOn(ds, "frames.zip", zip, { name: "frame-objects", taskType: "bounding-box", labels: [{ name: "cat" }, { name: "dog" }] });
  await ds.dispose();

  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await labelerQueue(page, jobId);
  await expect(page.getByRole("complementary", { name: "Boxes drawn" })).toContainText("200 × 100");
  // Image a: class 2 (dog) picked first, then a box drawn with the mouse.
  await page.keyboard.press("2");
  await drag(page, { width: 200, height: 100 }, [20, 20], [120, 70]);
  const drawn = await boxRow(page, 1);
  expect(drawn.label).toBe("dog");
  expect(Math.abs(drawn.left - 20) + Math.abs(drawn.top - 20) + Math.abs(drawn.width - 100) + Math.abs(drawn.height - 50)).toBeLessThanOrEqual(4);
  // Keyboard: Shift+→ moves 10 px, → 1 px, Ctrl+↓ grows it 1 px, 1 makes it a cat.
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("Control+ArrowDown");
  await page.keyboard.press("Control+ArrowDown");
  await page.keyboard.press("1");
  const edited = await boxRow(page, 1);
  expect(edited).toEqual({ label: "cat", left: drawn.left + 11, top: drawn.top - 1, width: drawn.width, height: drawn.height + 2 });
  // Moving it far right stops at the image's edge.
  for (let i = 0; i < 12; i++) await page.keyboard.press("Shift+ArrowRight"); // (the last presses change nothing, and leave nothing to undo)
  expect(await boxRow(page, 1)).toMatchObject({ left: 200 - edited.width });
  // Undo walks back one real move at a time: ten pixels left of the edge's stop, then on to where it was.
  await page.keyboard.press("z");
  const back = await boxRow(page, 1);
  expect(back.left).toBe(edited.left + 10 * Math.floor((200 - edited.width - edited.left - 1) / 10));
  for (let left = back.left; left > edited.left; left -= 10) await page.keyboard.press("z");
  expect(await boxRow(page, 1)).toEqual(edited);
  await page.screenshot({ path: "test-results/labeling-boxes.png" });
  await page.keyboard.press("Enter");

  // Image b: two boxes, the first deleted with Tab + Delete.
  await expect(page.getByRole("complementary", { name: "Boxes drawn" })).toContainText("120 × 120");
  await expect(page.getByTestId("box-row-1")).toHaveCount(0);
  await drag(page, { width: 120, height: 120 }, [10, 10], [40, 40]);
  await page.keyboard.press("2");
  await drag(page, { width: 120, height: 120 }, [60, 60], [110, 100]);
  const kept = await boxRow(page, 2);
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Delete");
  expect(await boxRow(page, 1)).toEqual(kept);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText("All done", { timeout: 20_000 });
  await context.close();

  // The data scientist's downloads.
  const dsContext = await browser.newContext();
  const dsPage = await dsContext.newPage();
  await signInPage(dsPage, people.dataScientist);
  await dsPage.goto(`/labeling/${jobId}`);
  await expect(dsPage.getByText("Completed")).toBeVisible({ timeout: 20_000 });
  await expect(dsPage.getByTestId("item-0")).toContainText(`cat (${edited.left}, ${edited.top}, ${edited.width} × ${edited.height})`);
  await dsPage.screenshot({ path: "test-results/labeling-boxes-job.png", fullPage: true });
  const [manifestFile] = await Promise.all([dsPage.waitForEvent("download"), dsPage.getByRole("link", { name: "Ground Truth output manifest" }).click()]);
  const [a, b] = (await json(manifestFile)).trim().split("\n").map((l) => JSON.parse(l));
  expect(a["source-ref"]).toBe("studio://datasets/frames/v1/frames/a.png");
  expect(a["frame-objects"]).toEqual({ image_size: [{ width: 200, height: 100, depth: 3 }], annotations: [{ class_id: 0, left: edited.left, top: edited.top, width: edited.width, height: edited.height }] });
  expect(a["frame-objects-metadata"]).toMatchObject({ objects: [{ confidence: 0 }], "class-map": { "0": "cat", "1": "dog" }, type: "groundtruth/object-detection", "human-annotated": "yes", "job-name": "labeling-job/frame-objects" });
  expect(b["frame-objects"].annotations).toEqual([{ class_id: 1, left: kept.left, top: kept.top, width: kept.width, height: kept.height }]);
  const [cocoFile] = await Promise.all([dsPage.waitForEvent("download"), dsPage.getByRole("link", { name: "COCO", exact: true }).click()]);
  const coco = JSON.parse(await json(cocoFile));
  expect(coco.images).toEqual([
    { id: 1, file_name: "frames/a.png", width: 200, height: 100 },
    { id: 2, file_name: "frames/b.png", width: 120, height: 120 },
  ]);
  expect(coco.annotations).toEqual([
    { id: 1, image_id: 1, category_id: 1, bbox: [edited.left, edited.top, edited.width, edited.height], area: edited.width * edited.height, iscrowd: 0, segmentation: [] },
    { id: 2, image_id: 2, category_id: 2, bbox: [kept.left, kept.top, kept.width, kept.height], area: kept.width * kept.height, iscrowd: 0, segmentation: [] },
  ]);
  expect(coco.categories).toEqual([
    { id: 1, name: "cat", supercategory: "" },
    { id: 2, name: "dog", supercategory: "" },
  ]);
  await dsContext.close();
});

test("a labeler marks named entities with the keyboard only; the manifest holds their offsets", async ({ browser }) => {
  test.setTimeout(90_000);
  const ds = await apiAs(people.dataScientist);
  const text = "Ada Lovelace met Charles Babbage in London.";
  const jobId = await jobOn(ds, "bios.csv", Buffer.from(`id,bio\n1,"${text}"\n2,"<img src=x onerror=alert(1)> Paris"\n`), { name: "bio-entities", taskType: "named-entity-recognition", textField: "bio", labels: [{ name: "person" }, { name: "place" }] });
  await ds.dispose();
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await labelerQueue(page, jobId);
  const article = page.getByRole("article", { name: "Text to label" });
  await expect(article).toContainText(text);
  // Ada Lovelace → person; Charles Babbage → person; London → person, fixed to place; an undo.
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("1");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Shift+ArrowRight");
  await page.keyboard.press("1");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("1");
  await page.keyboard.press("2");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press("Shift+ArrowLeft");
  await page.keyboard.press("2"); // "in London." as a place: overwrites London
  await expect(page.getByTestId("entity-3")).toContainText("place: in London.");
  await page.keyboard.press("z");
  const panel = page.getByRole("complementary", { name: "Entities marked" });
  await expect(panel.getByRole("listitem")).toHaveText(["person: Ada Lovelace×", "person: Charles Babbage×", "place: London×"]);
  await page.keyboard.press("?");
  await expect(page.getByRole("complementary", { name: "Instructions" })).toContainText("mark the selection");
  await page.screenshot({ path: "test-results/labeling-entities.png" });
  await page.keyboard.press("?");
  await page.keyboard.press("Enter");
  // The second text carries markup: shown as text. End marks "Paris" (the last word).
  await expect(article).toContainText("<img src=x onerror=alert(1)> Paris");
  await expect(article.locator("img")).toHaveCount(0);
  await page.keyboard.press("End");
  await page.keyboard.press("2");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText("All done", { timeout: 20_000 });
  await context.close();

  const dsContext = await browser.newContext();
  const dsPage = await dsContext.newPage();
  await signInPage(dsPage, people.dataScientist);
  await dsPage.goto(`/labeling/${jobId}`);
  await expect(dsPage.getByText("Completed")).toBeVisible({ timeout: 20_000 });
  const [file] = await Promise.all([dsPage.waitForEvent("download"), dsPage.getByRole("link", { name: "Ground Truth output manifest" }).click()]);
  const [one, two] = (await json(file)).trim().split("\n").map((l) => JSON.parse(l));
  expect(one).toMatchObject({
    source: text,
    "bio-entities": {
      annotations: {
        entities: [
          { endOffset: 12, startOffset: 0, label: "person" },
          { endOffset: 32, startOffset: 17, label: "person" },
          { endOffset: 42, startOffset: 36, label: "place" },
        ],
        labels: [{ label: "person" }, { label: "place" }],
      },
    },
    "bio-entities-metadata": { entities: [{ confidence: 0 }, { confidence: 0 }, { confidence: 0 }], type: "groundtruth/text-span", "human-annotated": "yes", "job-name": "labeling-job/bio-entities" },
  });
  expect(two["bio-entities"].annotations.entities).toEqual([{ endOffset: 34, startOffset: 29, label: "place" }]);
  await dsContext.close();
});
