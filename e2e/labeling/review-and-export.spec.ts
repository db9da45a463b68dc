// Review and exports in Chromium against a real studio (web + worker): three labelers disagree on
// one text; the worker consolidates and sends it to review; a data scientist corrects it in the
// review queue by keyboard; the CSV, JSON Lines and Ground Truth exports are checked field by field;
// the CSV is saved as a dataset version by the worker (validated and profiled), imported back as a
// new job, and re-exported identical — and so is the manifest, uploaded through the import form.
import { readFileSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { admin, apiAs, people, signInPage } from "../fixtures/studio";

const labelers = [
  people.labeler,
  { email: "labeler2@e2e.test", password: "labeler2-e2e-password", name: "Lou Labeler", role: "labeler" },
  { email: "labeler3@e2e.test", password: "labeler3-e2e-password", name: "Lin Labeler", role: "labeler" },
];

const reviews = ["Great product, works perfectly", "Awful, broke after a day", 'Great "value", <b>bold</b> claims', "Great, but\nthe box was crushed"];

/** Labels every item the queue gives this labeler, through the API (the queue page has its own spec). */
async function labelAll(api: APIRequestContext, jobId: string, answer: (text: string) => number) {
  for (;;) {
    const { queue } = await (await api.post(`/api/labeling/jobs/${jobId}/claim`)).json();
    if (!queue.item) return;
    const res = await api.post(`/api/labeling/jobs/${jobId}/assignments/${queue.item.assignmentId}/submit`, { data: { answer: { label: answer(queue.item.text) } } });
    expect(res.status(), await res.text()).toBe(200);
  }
}

/** Clicks a download link and returns the file's text. */
async function download(page: Page, name: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("region", { name: "Exports" }).getByRole("link", { name, exact: true }).click()]);
  return readFileSync((await file.path())!, "utf8");
}

test("a reviewer corrects a disagreement by keyboard; the exports carry it, save as a dataset version and import back identical", async ({ browser }) => {
  test.setTimeout(240_000);
  const root = await apiAs(admin);
  for (const person of labelers.slice(1)) expect([201, 409]).toContain((await root.post("/api/users", { data: person })).status());
  await root.dispose();
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Review e2e ${Date.now()}` } })).json();
  const directory = (await (await ds.get("/api/users/directory")).json()) as { id: string; email: string }[];
  const ids = labelers.map((p) => directory.find((u) => u.email === p.email)!.id);
  for (const id of ids) expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: id, role: "labeler" } })).status()).toBe(200);
  const csv = `id,review\n${reviews.map((r, i) => `${i},"${r.replace(/"/g, '""')}"`).join("\n")}\n`;
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=reviews&filename=reviews.csv`, { data: Buffer.from(csv), headers: { "Content-Type": "application/octet-stream" } });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId, version } = await upload.json();
  await expect.poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].status, { timeout: 30_000 }).toBe("ready");
  const created = await ds.post(`/api/projects/${project.id}/labeling-jobs`, {
    data: { name: "sentiment", taskType: "text-classification", datasetVersionId: version.id, textField: "review", labels: [{ name: "great" }, { name: "awful" }], workersPerItem: 3, workerIds: ids },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { job } = await created.json();
  await expect.poll(async () => (await (await ds.get(`/api/labeling/jobs/${job.id}`)).json()).job.status, { timeout: 30_000 }).toBe("in_progress");
  await ds.dispose();

  // Three labelers; on the crushed-box review the third says awful.
  for (const [k, person] of labelers.entries()) {
    const api = await apiAs(person);
    await labelAll(api, job.id, (text) => (text.startsWith("Great") && !(k === 2 && text.includes("crushed")) ? 0 : 1));
    await api.dispose();
  }

  // ——— The job page: consolidated, one item waiting for review ———
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInPage(page, people.dataScientist);
  await page.goto(`/labeling/${job.id}`);
  await expect(page.getByText("Completed")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("review-backlog")).toHaveText("1 waiting · 0 reviewed");
  await expect(page.getByTestId("item-3")).toContainText("review pending");

  // ——— The review queue, by keyboard ———
  await page.getByRole("link", { name: "Review (1)" }).click();
  await expect(page).toHaveURL(`/labeling/review/${job.id}`);
  await expect(page.getByRole("article", { name: "Text to review" })).toHaveText(reviews[3]);
  await expect(page.getByTestId("review-reasons")).toContainText("the workers disagreed");
  await expect(page.getByTestId("review-answers").getByRole("listitem")).toHaveCount(3);
  await expect(page.getByTestId("review-answers")).toContainText("Lin Labeler");
  await expect(page.getByTestId("review-consolidated")).toContainText("great");
  await expect(page.getByRole("radio", { name: /great/ })).toHaveAttribute("aria-checked", "true");
  await page.keyboard.press("?");
  await expect(page.getByText("accept as it is, or save your correction")).toBeVisible();
  await page.screenshot({ path: "test-results/review-queue.png" });
  // ← and → move through the backlog (one item: the same one), 2 picks awful, Enter saves.
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("article", { name: "Text to review" })).toHaveText(reviews[3]);
  await page.keyboard.press("2");
  await expect(page.getByRole("radio", { name: /awful/ })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByRole("button", { name: /Save correction/ })).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toHaveText("Nothing left to review in this job.");
  await expect(page.getByTestId("review-progress")).toHaveText("0 waiting · 1 reviewed");

  // ——— Exports, field by field ———
  await page.goto(`/labeling/${job.id}`);
  await expect(page.getByTestId("review-backlog")).toHaveText("0 waiting · 1 reviewed");
  await expect(page.getByTestId("item-3")).toContainText("review corrected");
  await expect(page.getByTestId("item-3").getByRole("cell").nth(3)).toHaveText("awful");
  const exportedCsv = await download(page, "CSV");
  const rows = exportedCsv.split("\n");
  expect(rows[0]).toBe("text,label,confidence,human_annotated,majority_vote,vote_share,tied,workers,review,reviewed_by,reviewed_at");
  expect(rows[1]).toMatch(/^"Great product, works perfectly",great,(0\.\d+|1),yes,great,1,no,3,,,$/);
  expect(rows[3]).toMatch(/^"Great ""value"", <b>bold<\/b> claims",great,/);
  expect(exportedCsv).toMatch(new RegExp(`"Great, but\\nthe box was crushed",awful,1,yes,great,0\\.6666666666666666,no,3,corrected,${people.dataScientist.email},\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`));
  const jsonl = (await download(page, "JSON Lines")).trim().split("\n").map((l) => JSON.parse(l));
  expect(jsonl).toHaveLength(4);
  expect(jsonl[3]).toMatchObject({ text: reviews[3], label: "awful", confidence: 1, human_annotated: "yes", majority_vote: "great", vote_share: 2 / 3, tied: false, workers: 3, review: "corrected", reviewed_by: people.dataScientist.email });
  expect(jsonl[1]).toMatchObject({ text: reviews[1], label: "awful", majority_vote: "awful", vote_share: 1, workers: 3, review: null, reviewed_by: null });
  const manifestText = await download(page, "Ground Truth output manifest");
  const manifest = manifestText.trim().split("\n").map((l) => JSON.parse(l));
  expect(manifest[3]).toEqual({
    source: reviews[3],
    sentiment: 1,
    "sentiment-metadata": { "class-name": "awful", confidence: 1, type: "groundtruth/text-classification", "job-name": "labeling-job/sentiment", "human-annotated": "yes", "creation-date": expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/), "adjustment-status": "adjusted" },
  });
  expect(manifest[0]).toMatchObject({ source: reviews[0], sentiment: 0, "sentiment-metadata": { "class-name": "great", "human-annotated": "yes" } });

  // ——— Saved as a dataset version by the worker ———
  const exportsSection = page.getByRole("region", { name: "Exports" });
  await exportsSection.getByRole("button", { name: "Save as dataset version…" }).click();
  const form = page.getByRole("form", { name: "Save as dataset version" });
  await form.getByLabel("Format").selectOption({ label: "CSV" });
  await expect(form.getByLabel("Dataset")).toHaveAttribute("placeholder", "sentiment-labels");
  await form.getByRole("button", { name: "Save" }).click();
  const saved = exportsSection.getByRole("list", { name: "Saved exports" }).getByRole("listitem").first();
  await expect(saved).toContainText("Saved", { timeout: 30_000 });
  await expect(saved).toContainText("4 items");
  await expect(saved).toContainText("ready", { timeout: 30_000 });
  await page.screenshot({ path: "test-results/labeling-exports.png", fullPage: true });
  await saved.getByRole("link", { name: "sentiment-labels v1" }).click();
  await expect(page).toHaveURL(/\/datasets\/[^/]+\?version=1$/);
  await expect(page.getByText("sentiment-labels.csv").first()).toBeVisible();

  // ——— Imported back from that version, and exported again: the same CSV ———
  await page.goto("/labeling/import");
  const importForm = page.locator("form").filter({ has: page.getByRole("button", { name: "Import labels" }) });
  await importForm.getByLabel("Project").selectOption({ label: project.name });
  await importForm.getByLabel("Job name").fill("sentiment-back");
  await importForm.getByLabel(/^Labels file/).selectOption({ label: "sentiment-labels v1 (csv)" });
  await importForm.getByRole("button", { name: "Import labels" }).click();
  await expect(page).toHaveURL(/\/labeling\/(?!import$)[^/]+$/);
  await expect(page.getByText("Completed")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("Imported 4 labels from sentiment-labels version 1 (a CSV export).")).toBeVisible();
  await expect(page.getByTestId("review-backlog")).toHaveText("0 waiting · 1 reviewed");
  expect(await download(page, "CSV")).toBe(exportedCsv);

  // ——— The manifest, uploaded through the import form: the same manifest back ———
  await page.goto("/labeling/import");
  await importForm.getByLabel("Project").selectOption({ label: project.name });
  await importForm.getByLabel("Job name").fill("sentiment-from-manifest");
  await importForm.getByLabel("…or upload one").setInputFiles({ name: "sentiment-output.manifest", mimeType: "application/octet-stream", buffer: Buffer.from(manifestText) });
  await importForm.getByRole("button", { name: "Import labels" }).click();
  await expect(page).toHaveURL(/\/labeling\/(?!import$)[^/]+$/, { timeout: 30_000 });
  await expect(page.getByText("Completed")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/Imported 4 labels from .* \(a Ground Truth output manifest\)\./)).toBeVisible();
  expect(await download(page, "Ground Truth output manifest")).toBe(manifestText);
  await page.screenshot({ path: "test-results/labeling-imported.png", fullPage: true });
  await context.close();
});
