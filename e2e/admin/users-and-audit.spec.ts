import { expect, test } from "@playwright/test";
import { admin, apiAs, signInPage, alerts } from "../fixtures/studio";

test("an admin creates a user, changes the role, and the audit log records it", async ({ page, browser }) => {
  await signInPage(page, admin);
  await page.goto("/admin/users");
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a user" });
  await dialog.getByLabel("Name").fill("Riley Newhire");
  await dialog.getByLabel("Email").fill("Riley@E2E.test");
  await dialog.getByLabel("Role").selectOption("labeler");
  await dialog.getByLabel("Initial password").fill("short");
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog.getByText("must be at least 8 characters")).toBeVisible();
  await dialog.getByLabel("Initial password").fill("riley-password-1");
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByTestId("user-row-riley@e2e.test");
  await expect(row).toBeVisible();
  await row.getByLabel("Role of riley@e2e.test").selectOption("data_scientist");
  await expect(row.getByLabel("Role of riley@e2e.test")).toHaveValue("data_scientist");

  // The new role applies to the user's next request.
  const riley = await browser.newPage();
  await signInPage(riley, { email: "riley@e2e.test", password: "riley-password-1" });
  await expect(riley.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Compute hosts" })).toBeVisible();
  await riley.close();

  await page.goto("/admin/audit");
  await page.getByLabel("Action").selectOption("user.");
  const table = page.getByRole("table", { name: "Audit events" });
  await expect(table.getByText("user.role_change").first()).toBeVisible();
  await expect(table.getByText("from: labeler · to: data_scientist").first()).toBeVisible();
  await page.getByLabel("Action").selectOption("auth.");
  await expect(table.getByText("auth.sign_in").first()).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("audit.png"), fullPage: true });
});

test("the last active admin cannot be demoted", async ({ page }) => {
  await signInPage(page, admin);
  await page.goto("/admin/users");
  const row = page.getByTestId(`user-row-${admin.email}`);
  await row.getByLabel(`Role of ${admin.email}`).selectOption("viewer");
  await expect(alerts(page)).toContainText("only active admin");
  await page.reload();
  await expect(page.getByTestId(`user-row-${admin.email}`).getByLabel(`Role of ${admin.email}`)).toHaveValue("admin");
});

test("a password reset signs the user out everywhere; a disabled user is out at once", async () => {
  const adminApi = await apiAs(admin);
  const created = await adminApi.post("/api/users", { data: { email: "sam@e2e.test", name: "Sam Reset", role: "viewer", password: "sam-password-1" } });
  expect(created.status()).toBe(201);
  const sam = await created.json();

  const samApi = await apiAs({ email: "sam@e2e.test", password: "sam-password-1" });
  expect((await adminApi.patch(`/api/users/${sam.id}`, { data: { password: "sam-password-2" } })).status()).toBe(200);
  expect((await samApi.get("/api/me")).status()).toBe(401);

  const samAgain = await apiAs({ email: "sam@e2e.test", password: "sam-password-2" });
  expect((await adminApi.patch(`/api/users/${sam.id}`, { data: { disabled: true } })).status()).toBe(200);
  expect((await samAgain.get("/api/me")).status()).toBe(401);
  await Promise.all([adminApi.dispose(), samApi.dispose(), samAgain.dispose()]);
});
