// Automated labeling in Chromium against a real studio: a data scientist sets up a text
// classification job with automated labeling from the UI on a synthetic dataset whose easy items
// are clearly separable; a labeler labels through the queue page (a few items by keyboard, the
// rest of the first sample through the API with their own API token); the worker trains a model
// on the local compute host; the job page shows machine-labeled items, the round's validation
// accuracy and threshold; and the machine's labels, checked against the held-out truth, reach the
// target accuracy. Then the same for an image classification job on a zip of synthetic shapes
// (red vs blue on noise), whose model the round trains on the host from the images themselves.
import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { apiAs, baseURL, people, signInPage } from "../fixtures/studio";
import { projectWithDataset } from "../fixtures/labeling";
import { reviewsCsv, syntheticReviews } from "../../test/synthetic-reviews";
import { syntheticShapes } from "../../test/synthetic-shapes";
import { zipOf } from "../../test/zip";

const reviews = syntheticReviews(300, 11);
const byText = new Map(reviews.map((r) => [r.text, r]));
const FIRST_ROUND_AT = 100;
const BY_KEYBOARD = 4;

interface Item {
  seq: number;
  status: string;
  labels: string[] | null;
  humanAnnotated: boolean;
}

/** The data scientist creates a one-worker job with automated labeling (target 95%) in the new-job form; returns the job page. */
async function createJobInForm(browser: Browser, job: { project: string; name: string; task?: string; dataset: string; textColumn?: string; labels: string[]; firstRoundAt: number; items: number }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInPage(page, people.dataScientist);
  await page.goto("/labeling/new");
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create labeling job" }) });
  await form.getByLabel("Project").selectOption({ label: job.project });
  await form.getByLabel("Job name").fill(job.name);
  if (job.task) await form.getByLabel("Task").selectOption({ label: job.task });
  await form.getByLabel("Dataset (latest version)").selectOption({ label: job.dataset });
  if (job.textColumn) await form.getByLabel("Text column").selectOption(job.textColumn);
  await form.getByLabel("Workers per item (1–9)").fill("1");
  await form.getByLabel(/^Labels, one per line/).fill(job.labels.join("\n"));
  await form.getByRole("checkbox", { name: new RegExp(people.labeler.name) }).check();
  await form.getByRole("checkbox", { name: "Let a model label the items it is sure about" }).check();
  await expect(form.getByText(job.textColumn ? "TF-IDF + logistic regression" : "colour and shape features of the images")).toBeVisible();
  await form.getByLabel("Target accuracy (%)").fill("95");
  await form.getByLabel("Human labels before the first round").fill(String(job.firstRoundAt));
  await form.getByRole("checkbox", { name: "Let a model label the items it is sure about" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `test-results/${job.name}-form.png` });
  await form.getByRole("button", { name: "Create labeling job" }).click();
  await expect(page).toHaveURL(/\/labeling\/(?!new$)[^/]+$/);
  const jobId = page.url().split("/").pop()!;
  await expect(page.getByTestId("job-items")).toHaveText(String(job.items), { timeout: 30_000 });
  await expect(page.getByTestId("auto-labeling-state")).toContainText(`Waiting for ${job.firstRoundAt} more human labels`);
  return { context, page, jobId };
}

/** The labeler answers items `from`..`to` (exclusive) through the API with their own token, each with its truth. */
async function labelThroughApi(jobId: string, from: number, to: number, truth: (seq: number) => number) {
  const labelerSession = await apiAs(people.labeler);
  const { token } = await (await labelerSession.post("/api/tokens", { data: { name: `auto-labeling e2e ${Date.now()}` } })).json();
  await labelerSession.dispose();
  const headers = { Authorization: `Bearer ${token}` };
  const base = baseURL();
  for (let i = from; i < to; i++) {
    const claim = await fetch(`${base}/api/labeling/jobs/${jobId}/claim`, { method: "POST", headers });
    const { queue: state } = (await claim.json()) as { queue: { item: { assignmentId: string; seq: number } | null } };
    expect(state.item, `item ${i}`).not.toBeNull();
    const submit = await fetch(`${base}/api/labeling/jobs/${jobId}/assignments/${state.item!.assignmentId}/submit`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ answer: { label: truth(state.item!.seq) } }),
    });
    expect(submit.status, await submit.text()).toBe(200);
  }
}

/** The job page after round 1: completed, with its accuracy and threshold; returns the machine-labeled count. */
async function expectFirstRound(page: Page, humanLabeled: number, screenshot: string): Promise<number> {
  const round = page.getByTestId("round-1");
  await expect(round).toContainText("Completed", { timeout: 60_000 });
  await expect(round.getByTestId("round-accuracy")).toHaveText(/\d+\.\d%/);
  await expect(round.getByTestId("round-threshold")).toHaveText(/^0\.\d{3}$/);
  const machineLabeled = Number(await page.getByTestId("machine-labeled").textContent());
  expect(machineLabeled).toBeGreaterThan(100);
  await expect(page.getByTestId("human-labeled")).toHaveText(String(humanLabeled));
  // Either people have items left (the least sure ones) until the next round, or the model took them all.
  await expect(page.getByTestId("auto-labeling-state")).toContainText(/round 2 trains at|every item has its label/);
  await expect(page.getByRole("table", { name: "Items" }).getByText("machine-labeled").first()).toBeVisible();
  await page.getByRole("heading", { name: /Automated labeling/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `test-results/${screenshot}`, fullPage: true });
  return machineLabeled;
}

/** The job's machine labels against the held-out truth (label names by seq), and the manifest's "human-annotated": "no". */
async function expectMachineLabelsRight(ds: APIRequestContext, jobId: string, jobName: string, machineLabeled: number, truth: (seq: number) => string) {
  const items: Item[] = [];
  for (let after = -1; ; ) {
    const res = await ds.get(`/api/labeling/jobs/${jobId}/items?status=consolidated&limit=500&after=${after}`);
    const batch = ((await res.json()) as { items: Item[] }).items;
    items.push(...batch);
    if (batch.length < 500) break;
    after = batch[batch.length - 1].seq;
  }
  const machine = items.filter((i) => !i.humanAnnotated);
  expect(machine).toHaveLength(machineLabeled);
  const right = machine.filter((i) => i.labels?.[0] === truth(i.seq)).length;
  expect(right / machine.length, `${right} of ${machine.length} machine labels right`).toBeGreaterThanOrEqual(0.95);
  const manifest = (await (await ds.get(`/api/labeling/jobs/${jobId}/export`)).text()).trim().split("\n").map((l) => JSON.parse(l));
  expect(manifest.filter((l) => l[`${jobName}-metadata`]["human-annotated"] === "no")).toHaveLength(machineLabeled);
}

test("a model labels the easy items of a text job after a human sample, at the target accuracy", async ({ browser }) => {
  test.setTimeout(150_000);
  expect(byText.size).toBe(reviews.length); // texts are unique: the queue page's text names its truth
  const ds = await apiAs(people.dataScientist);
  const { project } = await projectWithDataset(ds, "Auto labeling e2e", "reviews.csv", Buffer.from(reviewsCsv(reviews)));

  // ——— The data scientist sets the job up, automated labeling on ———
  const { context, page, jobId } = await createJobInForm(browser, { project: project.name, name: "auto-sentiment", dataset: "reviews v1 (csv)", textColumn: "review", labels: ["good", "bad"], firstRoundAt: FIRST_ROUND_AT, items: reviews.length });

  // ——— The labeler: a few items through the queue page, by keyboard ———
  const labelerContext = await browser.newContext();
  const queue = await labelerContext.newPage();
  await signInPage(queue, people.labeler);
  await queue.goto(`/labeling/queue/${jobId}`);
  for (let i = 0; i < BY_KEYBOARD; i++) {
    const text = queue.getByRole("article", { name: "Text to label" });
    await expect(text).toBeVisible();
    const before = await queue.getByTestId("my-progress").textContent();
    const review = byText.get(((await text.textContent()) ?? "").trim());
    expect(review, "the page shows a text of the dataset").toBeDefined();
    await queue.keyboard.press(review!.truth === 0 ? "1" : "2");
    await queue.keyboard.press("Enter");
    await expect(queue.getByTestId("my-progress")).not.toHaveText(before ?? "");
  }
  await labelerContext.close();

  // ——— …and the rest of the first sample through the API, with their own token ———
  await labelThroughApi(jobId, BY_KEYBOARD, FIRST_ROUND_AT, (seq) => reviews[seq].truth);

  // ——— The worker trains on the local host; the job page shows the machine's work ———
  const machineLabeled = await expectFirstRound(page, FIRST_ROUND_AT, "auto-labeling-job.png");

  // ——— The machine's labels against the held-out truth ———
  await expectMachineLabelsRight(ds, jobId, "auto-sentiment", machineLabeled, (seq) => ["good", "bad"][reviews[seq].truth]);
  await ds.dispose();
  await context.close();
});

test("a model trained on the host from the images labels the easy items of an image job, at the target accuracy", async ({ browser }) => {
  test.setTimeout(120_000);
  const shapes = await syntheticShapes(240);
  const firstRoundAt = 80;
  const ds = await apiAs(people.dataScientist);
  const { project } = await projectWithDataset(ds, "Auto labeling images e2e", "shapes.zip", zipOf(Object.fromEntries(shapes.map((s) => [s.name, s.bytes]))));

  const { context, page, jobId } = await createJobInForm(browser, { project: project.name, name: "auto-colour", task: "Image classification (one label)", dataset: "shapes v1 (zip)", labels: ["red", "blue"], firstRoundAt, items: shapes.length });

  // Items are the zip's files in name order: seq i is shapes[i].
  await labelThroughApi(jobId, 0, firstRoundAt, (seq) => shapes[seq].truth);
  const machineLabeled = await expectFirstRound(page, firstRoundAt, "auto-labeling-images-job.png");
  await expectMachineLabelsRight(ds, jobId, "auto-colour", machineLabeled, (seq) => ["red", "blue"][shapes[seq].truth]);
  await ds.dispose();
  await context.close();
});
