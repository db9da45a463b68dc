// Datasets in Chromium against a real studio: upload from the project page (streamed), the worker
// validates and profiles it, the dataset page shows schema, statistics and first rows; a new upload
// is a new version and old ones stay downloadable; a file that is no dataset is refused.
import { expect, test } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";

test("upload a CSV, see its schema, stats and first rows; a second upload is version 2; a bad file is refused", async ({ page }) => {
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Datasets e2e ${Date.now()}` } })).json();
  await ds.dispose();
  const rows = ["id,price,city,sold"];
  for (let i = 1; i <= 500; i++) rows.push(`${i},${(i * 1.5).toFixed(1)},${["Oslo", "Lima", "Pune"][i % 3]},${i % 2 === 0 ? "true" : "false"}`);
  rows[10] = "10,,Lima,true";
  const csv = Buffer.from(`${rows.join("\n")}\n`);

  await signInPage(page, people.dataScientist);
  await page.goto(`/projects/${project.id}`);
  const panel = page.getByRole("region", { name: "Datasets" });
  await panel.getByLabel("Dataset file").setInputFiles({ name: "houses.csv", mimeType: "text/csv", buffer: csv });
  const row = panel.getByRole("row", { name: /houses/ });
  await expect(row).toContainText("Ready", { timeout: 30_000 });
  await expect(row).toContainText("500");

  await row.getByRole("link", { name: "houses" }).click();
  const columns = page.getByRole("table", { name: "Columns" });
  await expect(columns.getByRole("row", { name: /price/ })).toContainText("float");
  await expect(columns.getByRole("row", { name: /price/ })).toContainText("1");
  await expect(columns.getByRole("row", { name: /city/ })).toContainText("string");
  await expect(columns.getByRole("row", { name: /sold/ })).toContainText("boolean");
  await expect(page.getByRole("img", { name: "Distribution of price" })).toBeVisible();
  await expect(page.getByRole("table", { name: "First rows" }).getByRole("row")).toHaveCount(51);
  await page.screenshot({ path: "test-results/dataset-profile.png", fullPage: true });

  // A new upload under the same name is version 2; version 1 stays downloadable, byte for byte.
  await page.goto(`/projects/${project.id}`);
  await panel.getByRole("row", { name: /houses/ }).getByRole("button", { name: "Upload new version" }).click();
  await panel.getByLabel("Dataset file").setInputFiles({ name: "houses.jsonl", mimeType: "application/json", buffer: Buffer.from('{"id": 1, "price": 2.5}\n{"id": 2, "price": 4}\n') });
  await expect(panel.getByRole("row", { name: /houses/ })).toContainText("v2", { timeout: 30_000 });
  await panel.getByRole("link", { name: "houses" }).click();
  const versions = page.getByRole("table", { name: "Versions" });
  await expect(versions.getByRole("row")).toHaveCount(3);
  const [download] = await Promise.all([page.waitForEvent("download"), versions.getByRole("row", { name: /v1/ }).getByRole("link", { name: "Download" }).click()]);
  const { readFileSync } = await import("node:fs");
  expect(readFileSync((await download.path())!)).toEqual(csv);

  // The Data → Datasets page in the left rail lists it with its project.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Datasets" }).click();
  const listed = page.getByRole("table", { name: "All datasets" }).getByRole("row").filter({ hasText: project.name });
  await expect(listed.getByRole("link", { name: "houses" })).toBeVisible();
  await expect(listed).toContainText("v2 · JSONL");

  // Not a dataset: refused at once with the reason, and nothing is added.
  await page.goto(`/projects/${project.id}`);
  await panel.getByLabel("Dataset file").setInputFiles({ name: "photo.csv", mimeType: "text/csv", buffer: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 0xfe)]) });
  await expect(page.getByRole("alert").filter({ hasText: /not a CSV|UTF-8/ })).toBeVisible();
  await expect(panel.getByRole("row")).toHaveCount(2);
});
