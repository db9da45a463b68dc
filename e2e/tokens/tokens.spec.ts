import { expect, test } from "@playwright/test";
import { people, signInPage } from "../fixtures/studio";

test("create a token, call the API with it, see it used, revoke it", async ({ page, playwright }) => {
  await signInPage(page, people.dataScientist);
  await page.goto("/settings/tokens");
  await page.getByLabel("Token name").fill("e2e script");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^sst_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByText("It will not be shown again")).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("token-created.png") });

  const client = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const me = await client.get("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ email: people.dataScientist.email, role: "data_scientist", via: "token" });
  // The token carries the role: a data scientist's token cannot manage users.
  expect((await client.get("/api/users", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(403);
  // A wrong token is refused, never treated as anonymous or as a cookie session.
  expect((await client.get("/api/me", { headers: { Authorization: "Bearer sst_wrong" } })).status()).toBe(401);

  await page.reload();
  await expect(page.getByTestId("token-last-used-e2e script")).not.toHaveText("never");
  // After reload the secret is gone for good.
  await expect(page.getByTestId("new-token")).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);

  page.once("dialog", (d) => void d.accept());
  await page.getByRole("row", { name: /e2e script/ }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("row", { name: /e2e script/ }).getByText("Revoked")).toBeVisible();
  expect((await client.get("/api/me", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(401);
  await client.dispose();
});
