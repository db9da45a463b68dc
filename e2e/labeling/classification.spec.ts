// Classification labeling jobs in Chromium against a real studio, on texts and on images: a data
// scientist sets the job up from the UI on an uploaded dataset with 3 workers per item; three
// labelers work through their queues at the same time, by keyboard only; every item ends with three
// answers, none twice from one person, and consolidation gives the expected labels.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import sharp from "sharp";
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

/** Six squares, red or blue: file name → which. */
const squares = ["red-1.png", "blue-1.png", "blue-2.png", "red-2.png", "red-3.png", "blue-3.png"];

/** A zip of the squares (written by Python's zipfile, on every machine that runs the studio). */
async function squaresZip(): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "squares-e2e-"));
  try {
    for (const name of squares) writeFileSync(path.join(dir, name), await sharp({ create: { width: 64, height: 48, channels: 3, background: name.startsWith("red") ? "#dd2222" : "#2222dd" } }).png().toBuffer());
    execFileSync("python3", ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], 'w'); [z.write(f'{sys.argv[2]}/{n}', f'squares/{n}') for n in sys.argv[3:]]; z.close()", path.join(dir, "s.zip"), dir, ...squares]);
    return readFileSync(path.join(dir, "s.zip"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Variant {
  task: string;
  dataset: { filename: string; body: () => Promise<Buffer>; option: string };
  labels: string;
  /** The item's first key (1 or 2) as the labeler sees it. */
  answer: (page: Page) => Promise<"1" | "2">;
  /** The expected consolidated label of item `seq`. */
  truth: string[];
}

const variants: Variant[] = [
  {
    task: "Text classification (one label)",
    dataset: { filename: "reviews.csv", body: async () => Buffer.from(`id,review\n${reviews.map((r, i) => `${i},"${r}"`).join("\n")}\n`), option: "reviews v1 (csv)" },
    labels: "great\nawful",
    answer: async (page) => {
      const text = page.getByRole("article", { name: "Text to label" });
      const body = (await text.textContent()) ?? "";
      if (body.includes("<script>")) await expect(text.locator("script")).toHaveCount(0); // markup in data stays text
      return body.startsWith("Great") ? "1" : "2";
    },
    truth: reviews.map((r) => (r.startsWith("Great") ? "great" : "awful")),
  },
  {
    task: "Image classification (one label)",
    dataset: { filename: "squares.zip", body: squaresZip, option: "squares v1 (zip)" },
    labels: "red\nblue",
    // What the labeler sees: the image's own pixels, read back from the page.
    answer: async (page) => {
      const image = page.getByRole("img", { name: "The item to label" });
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
      const red = await image.evaluate((img: HTMLImageElement) => {
        const canvas = document.createElement("canvas");
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext("2d")!;
        ctx.drawImage(img, 0, 0);
        const [r, , b] = ctx.getImageData(10, 10, 1, 1).data;
        return r > b;
      });
      return red ? "1" : "2";
    },
    truth: squares.map((n) => (n.startsWith("red") ? "red" : "blue")), // queue order is the zip's order
  },
];

/** Labels every item the queue gives, by keyboard (1 or 2 as the variant sees it); returns how many. */
async function labelAll(page: Page, variant: Variant): Promise<number> {
  let done = 0;
  for (;;) {
    const item = page.getByRole("article", { name: "Text to label" }).or(page.getByRole("img", { name: "The item to label" }));
    // "being labeled by others" waits: the page looks again every 10 s.
    const finished = page.getByRole("status").filter({ hasText: /All done/ });
    await expect(item.or(finished)).toBeVisible({ timeout: 30_000 });
    if (await finished.isVisible()) return done;
    const before = await page.getByTestId("my-progress").textContent();
    await page.keyboard.press(await variant.answer(page));
    await expect(page.getByRole("radio", { checked: true })).toHaveCount(1);
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("my-progress")).not.toHaveText(before ?? "");
    done++;
  }
}

for (const variant of variants) test(`three labelers label a job of ${variant.task.toLowerCase()} in parallel, by keyboard`, async ({ browser }) => {
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
  const { filename } = variant.dataset;
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=${filename.split(".")[0]}&filename=${filename}`, { data: await variant.dataset.body(), headers: { "Content-Type": "application/octet-stream" } });
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
  await form.getByLabel("Task").selectOption({ label: variant.task });
  await form.getByLabel("Dataset (latest version)").selectOption({ label: variant.dataset.option });
  if (variant.dataset.filename.endsWith(".csv")) {
    await expect(form.getByLabel("Text column")).toContainText("review");
    await form.getByLabel("Text column").selectOption("review");
  }
  await form.getByLabel("Workers per item (1–9)").fill("3");
  await form.getByLabel(/^Labels, one per line/).fill(variant.labels);
  await form.getByLabel("Instructions for labelers").fill("Is the customer happy (great) or not (awful)? Is the square red or blue?");
  await form.getByRole("button", { name: "Add a bad example" }).click();
  const example = form.getByRole("group", { name: "Bad example 1" });
  await example.getByLabel("Example", { exact: true }).fill("Mixed feelings, but it arrived");
  await example.getByLabel("Its label").selectOption({ index: 0 });
  await example.getByLabel("Why").fill("Mixed is not happy: pick the second label");
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
  await expect(first.getByRole("article", { name: "Text to label" }).or(first.getByRole("img", { name: "The item to label" }))).toBeVisible();
  await first.keyboard.press("?");
  await expect(first.getByRole("complementary", { name: "Instructions" })).toContainText("Is the customer happy");
  await expect(first.getByRole("complementary", { name: "Instructions" }).getByRole("listitem")).toContainText([/^Bad: (great|red)Mixed feelings, but it arrivedMixed is not happy/]);
  await first.screenshot({ path: `test-results/labeling-queue-${variant.dataset.filename.split(".")[1]}.png` });
  await first.keyboard.press("?");
  const counts = await Promise.all(sessions.map(({ p }) => labelAll(p, variant)));
  // Every labeler labeled every item exactly once (3 workers per item, 3 labelers).
  expect(counts).toEqual([6, 6, 6]);
  await expect(first.getByRole("status")).toContainText("All done");
  for (const { ctx } of sessions) await ctx.close();

  await page.reload();
  await expect(page.getByTestId("job-labeled")).toHaveText("6 of 6");
  await expect(page.getByText("18 of 18")).toBeVisible();
  // The worker consolidates (Dawid–Skene, majority vote beside it); the job completes.
  await expect(page.getByText("Completed")).toBeVisible({ timeout: 20_000 });
  for (const [i, label] of variant.truth.entries()) {
    const row = page.getByTestId(`item-${i}`);
    await expect(row).toContainText("consolidated");
    await expect(row.getByRole("cell").nth(3)).toHaveText(label);
  }
  // Agreement: three labelers who always agree.
  await expect(page.getByTestId("agreement")).toContainText("1.00");
  for (const person of labelers) await expect(page.getByTestId(`labeler-${person.email}`).getByRole("cell").nth(1)).toHaveText("6");
  await page.screenshot({ path: `test-results/labeling-job-${variant.dataset.filename.split(".")[1]}.png`, fullPage: true });
  if (!variant.dataset.filename.endsWith(".csv")) {
    // The image job's manifest: source-ref into the dataset's zip, class names as consolidated.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Ground Truth output manifest" }).click()]);
    const lines = readFileSync((await download.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l["source-ref"], l["review-sentiment-metadata"]["class-name"], l["review-sentiment-metadata"].type])).toEqual(
      squares.map((n, i) => [`studio://datasets/squares/v1/squares/${n}`, variant.truth[i], "groundtruth/image-classification"]),
    );
    return context.close();
  }

  // ——— The managers' dashboard, for this project ———
  await page.goto("/dashboards/labeling");
  await page.getByLabel("Project of the dashboard").selectOption({ label: project.name });
  const row = page.getByTestId("dashboard-job-review-sentiment");
  await expect(row).toContainText("6 / 6 items");
  await expect(row.getByRole("cell").nth(7)).toHaveText("1.00"); // Fleiss' kappa, kept at consolidation
  for (const person of labelers) await expect(page.getByTestId(`dashboard-labeler-${person.name}`).getByRole("cell").nth(1)).toHaveText("6");
  await expect(page.getByRole("figure", { name: "Answers per hour by labeler" }).locator(".recharts-bar-rectangle").first()).toBeVisible();
  await page.screenshot({ path: "test-results/labeling-dashboard.png", fullPage: true });
  await page.goto(`/labeling/${jobId}`);

  // ——— The Ground Truth output manifest ———
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Ground Truth output manifest" }).click()]);
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
