import { expect, test } from "@playwright/test";
import { admin, apiAs, alerts } from "../fixtures/studio";

test("wrong password and unknown email get the same message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(alerts(page)).toHaveText("Incorrect email or password.");

  await page.getByLabel("Email").fill("nobody-here@e2e.test");
  await page.getByLabel("Password").fill("whatever-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  await expect(alerts(page)).toHaveText("Incorrect email or password.");
});

test("repeated failed sign-ins are rate-limited, and the audit log shows them", async ({ page }) => {
  const victim = "locked-out@e2e.test";
  const adminApi = await apiAs(admin);
  expect((await adminApi.post("/api/users", { data: { email: victim, name: "Locked Out", role: "viewer", password: "right-password-1" } })).status()).toBe(201);

  await page.goto("/login");
  for (let i = 0; i < 5; i++) {
    await page.getByLabel("Email").fill(victim);
    await page.getByLabel("Password").fill(`wrong-${i}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    await expect(alerts(page)).toBeVisible();
  }
  // Even the right password is refused while the lock holds.
  await page.getByLabel("Email").fill(victim);
  await page.getByLabel("Password").fill("right-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(alerts(page)).toContainText("Too many failed sign-ins");

  const events = await (await adminApi.get(`/api/audit?actor=${encodeURIComponent(victim)}`)).json();
  const actions = events.map((e: { action: string }) => e.action);
  expect(actions.filter((a: string) => a === "auth.sign_in_failed")).toHaveLength(5);
  expect(actions).toContain("auth.sign_in_locked");
  await adminApi.dispose();
});
