import { expect, test } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";

test("a data scientist creates a project and adds a labeler who then sees it", async ({ page }) => {
  await signInPage(page, people.dataScientist);
  await page.goto("/projects");
  await page.getByRole("button", { name: "New project" }).click();
  const dialog = page.getByRole("dialog", { name: "New project" });
  await dialog.getByLabel("Name").fill("Churn prediction");
  await dialog.getByLabel("Description").fill("Who leaves next quarter");
  await dialog.getByRole("button", { name: "Create project" }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole("link", { name: "Churn prediction" }).click();
  await expect(page.getByRole("heading", { name: "Churn prediction" })).toBeVisible();
  await page.getByLabel("User to add").selectOption({ label: `${people.labeler.name} (${people.labeler.email})` });
  await page.getByLabel("Role in project").selectOption("labeler");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  const members = page.getByRole("table", { name: "Project members" });
  await expect(members.getByText(people.labeler.email)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("project.png"), fullPage: true });

  const labeler = await apiAs(people.labeler);
  const projects = await (await labeler.get("/api/projects")).json();
  expect(projects.map((p: { name: string }) => p.name)).toContain("Churn prediction");
  // A labeler member cannot manage the project.
  const project = projects.find((p: { name: string }) => p.name === "Churn prediction");
  const res = await labeler.patch(`/api/projects/${project.id}`, { data: { name: "Hijacked" } });
  expect(res.status()).toBe(403);
  // The viewer is not a member: the project does not exist for them.
  const viewer = await apiAs(people.viewer);
  expect((await viewer.get(`/api/projects/${project.id}`)).status()).toBe(404);
  await labeler.dispose();
  await viewer.dispose();
});
