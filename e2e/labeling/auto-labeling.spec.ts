// Automated labeling in Chromium against a real studio: a data scientist sets up a text
// classification job with automated labeling from the UI on a synthetic dataset whose easy items
// are clearly separable; a labeler labels through the queue page (a few items by keyboard, the
// rest of the first sample through the API with their own API token); the worker trains a model
// on the local compute host; the job page shows machine-labeled items, the round's validation
// accuracy and threshold; and the machine's labels, checked against the held-out truth, reach the
// target accuracy.
import { expect, test } from "@playwright/test";
import { apiAs, baseURL, people, signInPage } from "../fixtures/studio";
import { reviewsCsv, syntheticReviews } from "../../test/synthetic-reviews";

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

test("a model labels the easy items of a text job after a human sample, at the target accuracy", async ({ browser }) => {
  test.setTimeout(150_000);
  expect(byText.size).toBe(reviews.length); // texts are unique: the queue page's text names its truth
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Auto labeling e2e ${Date.now()}` } })).json();
  const directory = (await (await ds.get("/api/users/directory")).json()) as { id: string; email: string }[];
  const labelerId = directory.find((u) => u.email === people.labeler.email)!.id;
  expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: labelerId, role: "labeler" } })).status()).toBe(200);
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=reviews&filename=reviews.csv`, { data: Buffer.from(reviewsCsv(reviews)), headers: { "Content-Type": "application/octet-stream" } });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId } = await upload.json();
  await expect.poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].status, { timeout: 30_000 }).toBe("ready");

  // ——— The data scientist sets the job up, automated labeling on ———
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInPage(page, people.dataScientist);
  await page.goto("/labeling/new");
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create labeling job" }) });
  await form.getByLabel("Project").selectOption({ label: project.name });
  await form.getByLabel("Job name").fill("auto-sentiment");
  await form.getByLabel("Dataset (latest version)").selectOption({ label: "reviews v1 (csv)" });
  await form.getByLabel("Text column").selectOption("review");
  await form.getByLabel("Workers per item (1–9)").fill("1");
  await form.getByLabel(/^Labels, one per line/).fill("good\nbad");
  await form.getByRole("checkbox", { name: new RegExp(people.labeler.name) }).check();
  await form.getByRole("checkbox", { name: "Let a model label the items it is sure about" }).check();
  await form.getByLabel("Target accuracy (%)").fill("95");
  await form.getByLabel("Human labels before the first round").fill(String(FIRST_ROUND_AT));
  await form.getByRole("button", { name: "Create labeling job" }).click();
  await expect(page).toHaveURL(/\/labeling\/(?!new$)[^/]+$/);
  const jobId = page.url().split("/").pop()!;
  await expect(page.getByTestId("job-items")).toHaveText("300", { timeout: 30_000 });
  await expect(page.getByTestId("auto-labeling-state")).toContainText(`Waiting for ${FIRST_ROUND_AT} more human labels`);

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
  const labelerSession = await apiAs(people.labeler);
  const { token } = await (await labelerSession.post("/api/tokens", { data: { name: `auto-labeling e2e ${Date.now()}` } })).json();
  await labelerSession.dispose();
  const headers = { Authorization: `Bearer ${token}` };
  const base = baseURL();
  for (let i = BY_KEYBOARD; i < FIRST_ROUND_AT; i++) {
    const claim = await fetch(`${base}/api/labeling/jobs/${jobId}/claim`, { method: "POST", headers });
    const { queue: state } = (await claim.json()) as { queue: { item: { assignmentId: string; seq: number } | null } };
    expect(state.item, `item ${i}`).not.toBeNull();
    const submit = await fetch(`${base}/api/labeling/jobs/${jobId}/assignments/${state.item!.assignmentId}/submit`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ answer: { label: reviews[state.item!.seq].truth } }),
    });
    expect(submit.status, await submit.text()).toBe(200);
  }

  // ——— The worker trains on the local host; the job page shows the machine's work ———
  const round = page.getByTestId("round-1");
  await expect(round).toContainText("Completed", { timeout: 60_000 });
  await expect(round.getByTestId("round-accuracy")).toHaveText(/\d+\.\d%/);
  await expect(round.getByTestId("round-threshold")).toHaveText(/^0\.\d{3}$/);
  const machineLabeled = Number(await page.getByTestId("machine-labeled").textContent());
  expect(machineLabeled).toBeGreaterThan(100);
  await expect(page.getByTestId("human-labeled")).toHaveText(String(FIRST_ROUND_AT));
  // Either people have items left (the least sure ones) until the next round, or the model took them all.
  await expect(page.getByTestId("auto-labeling-state")).toContainText(/round 2 trains at|every item has its label/);
  await expect(page.getByRole("table", { name: "Items" }).getByText("machine-labeled").first()).toBeVisible();
  await page.getByRole("heading", { name: /Automated labeling/ }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/auto-labeling-job.png", fullPage: true });

  // ——— The machine's labels against the held-out truth ———
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
  const right = machine.filter((i) => i.labels?.[0] === ["good", "bad"][reviews[i.seq].truth]).length;
  expect(right / machine.length, `${right} of ${machine.length} machine labels right`).toBeGreaterThanOrEqual(0.95);
  // The Ground Truth manifest marks them "human-annotated": "no".
  const manifest = (await (await ds.get(`/api/labeling/jobs/${jobId}/export`)).text()).trim().split("\n").map((l) => JSON.parse(l));
  expect(manifest.filter((l) => l["auto-sentiment-metadata"]["human-annotated"] === "no")).toHaveLength(machineLabeled);
  await ds.dispose();
  await context.close();
});
