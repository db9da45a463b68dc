import { expect, test } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";

test("version history: diff an earlier version against now, checkpoint on demand, restore", async ({ page }) => {
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `History e2e ${Date.now()}` } })).json();
  const nb = await (await ds.post(`/api/projects/${project.id}/notebooks`, { data: { name: "model" } })).json();
  const content = structuredClone(nb.content);
  content.cells[0].source = "import pandas as pd\ndf = pd.read_csv('churn.csv')";
  content.cells.push({ cell_type: "markdown", id: "notes", metadata: {}, source: "## Notes" });
  expect((await ds.put(`/api/notebooks/${nb.id}/content`, { data: { content, baseVersion: 1 } })).status()).toBe(200);
  // A viewer member reads the history but cannot change it.
  const viewer = await (await ds.get("/api/users/directory")).json();
  const viewerId = viewer.find((u: { email: string }) => u.email === people.viewer.email).id;
  expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: viewerId, role: "viewer" } })).status()).toBe(200);
  await ds.dispose();

  page.on("dialog", (d) => void d.accept());
  await signInPage(page, people.dataScientist);
  await page.goto(`/notebooks/${nb.id}`);
  await page.getByRole("button", { name: "History" }).click();
  const history = page.getByRole("region", { name: "Version history" });
  await history.getByRole("button", { name: /v1 · Autosave/ }).click();
  const changes = history.getByLabel("Changes since this version");
  await expect(changes).toContainText("1 added, 0 removed, 1 changed");
  await expect(changes.getByTestId("diff-modified")).toContainText("+ df = pd.read_csv('churn.csv')");
  await expect(changes.getByTestId("diff-added")).toContainText("## Notes");
  await page.screenshot({ path: test.info().outputPath("history-diff.png"), fullPage: true });

  await history.getByRole("button", { name: "Create checkpoint" }).click();
  await expect(history.getByRole("button", { name: /v2 · Checkpoint/ })).toBeVisible();

  await history.getByRole("button", { name: "Restore this version" }).click();
  const notebook = page.getByRole("region", { name: "Notebook model" });
  await expect(notebook.getByText("## Notes")).toHaveCount(0);
  await expect(notebook.getByText("read_csv")).toHaveCount(0);
  await expect(history.getByRole("button", { name: /v2 · Before restore/ })).toBeVisible();
  await expect(page.getByText("version 3")).toBeVisible();

  const viewerPage = await page.context().browser()!.newPage();
  await signInPage(viewerPage, people.viewer);
  await viewerPage.goto(`/notebooks/${nb.id}`);
  await expect(viewerPage.getByText("read-only (your role in this project)")).toBeVisible();
  await expect(viewerPage.getByRole("toolbar", { name: "Notebook actions" })).toHaveCount(0);
  await viewerPage.getByRole("button", { name: "History" }).click();
  const viewerHistory = viewerPage.getByRole("region", { name: "Version history" });
  await expect(viewerHistory.getByRole("button", { name: /v1 · Autosave/ })).toBeVisible();
  await expect(viewerHistory.getByRole("button", { name: "Create checkpoint" })).toHaveCount(0);
  await viewerHistory.getByRole("button", { name: /v1 · Autosave/ }).click();
  await expect(viewerHistory.getByLabel("Changes since this version")).toBeVisible();
  await expect(viewerHistory.getByRole("button", { name: "Restore this version" })).toHaveCount(0);
  await viewerPage.close();
});
