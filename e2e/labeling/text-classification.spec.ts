// A text classification labeling job in Chromium against a real studio: a data scientist sets it up
// from the UI on an uploaded CSV with 3 workers per item; three labelers work through their queues
// at the same time, by keyboard only; every item ends with three answers, none twice from one person.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { admin, apiAs, people, signInPage } from "../fixtures/studio";

const labelers = [
  people.labeler,
  { email: "labeler2@e2e.test", password: "labeler2-e2e-password", name: "Lou Labeler", role: "labeler" },
  { email: "labeler3@e2e.test", password: "labeler3-e2e-password", name: "Lin Labeler", role: "labeler" },
];

const reviews = [
  "Great product, works perfectly",
  "Awful, broke after a day",
  "Great value and great support",
  "Awful customer service <script>alert(1)</script>",
  "Great, would buy again",
  "Awful smell, returned it",
];

/** Labels every item the queue gives, by keyboard: 1 for great, 2 for awful; returns how many. */
async function labelAll(page: Page): Promise<number> {
  let done = 0;
  for (;;) {
    const text = page.getByRole("article", { name: "Text to label" });
    // "being labeled by others" waits: the page looks again every 10 s.
    const finished = page.getByRole("status").filter({ hasText: /All done/ });
    await expect(text.or(finished)).toBeVisible({ timeout: 30_000 });
    if (await finished.isVisible()) return done;
    const before = await page.getByTestId("my-progress").textContent();
    const body = (await text.textContent()) ?? "";
    if (body.includes("<script>")) await expect(text.locator("script")).toHaveCount(0); // markup in data stays text
    await page.keyboard.press(body.startsWith("Great") ? "1" : "2");
    await expect(page.getByRole("radio", { checked: true })).toHaveCount(1);
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("my-progress")).not.toHaveText(before ?? "");
    done++;
  }
}

test("three labelers label a text classification job in parallel, by keyboard", async ({ browser }) => {
  test.setTimeout(180_000);
  const root = await apiAs(admin);
  for (const person of labelers.slice(1)) {
    const res = await root.post("/api/users", { data: person });
    expect([201, 409]).toContain(res.status());
  }
  await root.dispose();
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Labeling e2e ${Date.now()}` } })).json();
  const directory = (await (await ds.get("/api/users/directory")).json()) as { id: string; email: string }[];
  for (const person of labelers) {
    const id = directory.find((u) => u.email === person.email)!.id;
    expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: id, role: "labeler" } })).status()).toBe(200);
  }
  const csv = `id,review\n${reviews.map((r, i) => `${i},"${r}"`).join("\n")}\n`;
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=reviews&filename=reviews.csv`, { data: Buffer.from(csv), headers: { "Content-Type": "application/octet-stream" } });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId } = await upload.json();
  await expect.poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].status, { timeout: 30_000 }).toBe("ready");
  await ds.dispose();

  // ——— The data scientist sets the job up ———
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInPage(page, people.dataScientist);
  await page.goto("/labeling");
  await page.getByRole("link", { name: "New labeling job" }).click();
  // (the form's own Project field, not the top bar's project switcher)
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Create labeling job" }) });
  await form.getByLabel("Project").selectOption({ label: project.name });
  await form.getByLabel("Job name").fill("review-sentiment");
  await form.getByLabel("Dataset (latest version)").selectOption({ label: "reviews v1 (csv)" });
  await expect(form.getByLabel("Text column")).toContainText("review");
  await form.getByLabel("Text column").selectOption("review");
  await form.getByLabel("Workers per item (1–9)").fill("3");
  await form.getByLabel(/^Labels, one per line/).fill("great\nawful");
  await form.getByLabel("Instructions for labelers").fill("Is the customer happy (great) or not (awful)?");
  for (const person of labelers) await form.getByRole("checkbox", { name: new RegExp(person.name) }).check();
  await form.getByRole("button", { name: "Create labeling job" }).click();
  await expect(page).toHaveURL(/\/labeling\/(?!new$)[^/]+$/);
  const jobId = page.url().split("/").pop()!;
  await expect(page.getByTestId("job-items")).toHaveText("6", { timeout: 30_000 });

  // ——— Three labelers at once, each in their own browser ———
  const sessions = await Promise.all(
    labelers.map(async (person) => {
      const ctx = await (browser as Browser).newContext({ viewport: { width: 1280, height: 720 } });
      const p = await ctx.newPage();
      await signInPage(p, person);
      await p.goto("/labeling/queue");
      await p.getByRole("listitem").filter({ hasText: project.name }).getByRole("link", { name: "Start labeling" }).click();
      await expect(p).toHaveURL(`/labeling/queue/${jobId}`);
      return { ctx, p };
    }),
  );
  // What a labeler sees (text shown as text, markup included), at 1280×720.
  const first = sessions[0].p;
  await expect(first.getByRole("article", { name: "Text to label" })).toBeVisible();
  await first.keyboard.press("?");
  await expect(first.getByRole("complementary", { name: "Instructions" })).toContainText("Is the customer happy");
  await first.screenshot({ path: "test-results/labeling-queue.png" });
  await first.keyboard.press("?");
  const counts = await Promise.all(sessions.map(({ p }) => labelAll(p)));
  // Every labeler labeled every item exactly once (3 workers per item, 3 labelers).
  expect(counts).toEqual([6, 6, 6]);
  await expect(first.getByRole("status")).toContainText("All done");
  for (const { ctx } of sessions) await ctx.close();

  await page.reload();
  await expect(page.getByTestId("job-labeled")).toHaveText("6 of 6");
  await expect(page.getByText("18 of 18")).toBeVisible();
  // The worker consolidates (Dawid–Skene, majority vote beside it); the job completes.
  await expect(page.getByText("Completed")).toBeVisible({ timeout: 20_000 });
  for (const [i, review] of reviews.entries()) {
    const row = page.getByTestId(`item-${i}`);
    await expect(row).toContainText("consolidated");
    await expect(row.getByRole("cell").nth(3)).toHaveText(review.startsWith("Great") ? "great" : "awful");
  }
  // Agreement: three labelers who always agree.
  await expect(page.getByTestId("agreement")).toContainText("1.00");
  for (const person of labelers) await expect(page.getByTestId(`labeler-${person.email}`).getByRole("cell").nth(1)).toHaveText("6");
  await page.screenshot({ path: "test-results/labeling-job.png", fullPage: true });

  // ——— The Ground Truth output manifest ———
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Ground Truth output manifest" }).click()]);
  const { readFileSync } = await import("node:fs");
  const lines = readFileSync((await download.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(lines).toHaveLength(6);
  expect(lines[3]).toMatchObject({
    source: reviews[3],
    "review-sentiment": 1,
    "review-sentiment-metadata": { "class-name": "awful", type: "groundtruth/text-classification", "job-name": "labeling-job/review-sentiment", "human-annotated": "yes" },
  });
  expect(lines[3]["review-sentiment-metadata"].confidence).toBeGreaterThan(0.5);
  await context.close();
});
