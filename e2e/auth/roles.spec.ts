import { expect, test } from "@playwright/test";
import { admin, apiAs, people, signInPage, alerts } from "../fixtures/studio";

const navOf = (page: import("@playwright/test").Page) => page.getByRole("navigation", { name: "Main" });

const expectations = [
  { who: admin, see: ["Home", "Projects", "Notebooks", "Users & roles", "Compute hosts", "Audit log", "API tokens"], hidden: [] },
  { who: people.dataScientist, see: ["Home", "Projects", "Notebooks", "Training jobs", "Experiments", "Model registry", "Endpoints", "Batch transforms", "Compute hosts", "API tokens"], hidden: ["Users & roles", "Audit log"] },
  { who: people.labeler, see: ["Home", "Projects", "API tokens"], hidden: ["Notebooks", "Datasets", "Training jobs", "Experiments", "Model registry", "Endpoints", "Batch transforms", "Users & roles", "Compute hosts", "Audit log"] },
  { who: people.viewer, see: ["Home", "Projects", "Notebooks", "Training jobs", "Experiments", "Model registry", "Endpoints", "Batch transforms", "API tokens"], hidden: ["Users & roles", "Compute hosts", "Audit log"] },
];

for (const { who, see, hidden } of expectations) {
  test(`${who.role} sees the navigation of their role`, async ({ page }) => {
    await signInPage(page, who);
    await expect(page.getByTestId("current-user")).toHaveText(who.name);
    for (const label of see) await expect(navOf(page).getByRole("link", { name: label, exact: true })).toBeVisible();
    for (const label of hidden) await expect(navOf(page).getByRole("link", { name: label, exact: true })).toHaveCount(0);
  });
}

test("a labeler gets 403 from the host API and the hosts page, not data", async ({ page }) => {
  const api = await apiAs(people.labeler);
  const list = await api.get("/api/hosts");
  expect(list.status()).toBe(403);
  const body = await list.json();
  expect(body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
  expect(JSON.stringify(body)).not.toContain("127.0.0.1");
  const create = await api.post("/api/hosts", { data: { name: "sneaky", url: "http://127.0.0.1:1" } });
  expect(create.status()).toBe(403);
  expect((await api.get("/api/users")).status()).toBe(403);
  expect((await api.get("/api/audit")).status()).toBe(403);
  expect((await api.get("/api/jobs")).status()).toBe(403);
  expect((await api.get("/api/experiments")).status()).toBe(403);
  expect((await api.get("/api/models")).status()).toBe(403);
  expect((await api.get("/api/endpoints")).status()).toBe(403);
  await api.dispose();

  await signInPage(page, people.labeler);
  await page.goto("/admin/hosts");
  await expect(alerts(page)).toContainText("No access to compute hosts");
  await expect(page.getByTestId("host-card")).toHaveCount(0);
});

test("a data scientist can read hosts but not change them", async () => {
  const api = await apiAs(people.dataScientist);
  expect((await api.get("/api/hosts")).status()).toBe(200);
  expect((await api.post("/api/hosts", { data: { name: "x", url: "http://127.0.0.1:1" } })).status()).toBe(403);
  await api.dispose();
});

test("requests without a session or token get 401 with the error envelope", async ({ playwright }) => {
  const anon = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const res = await anon.get("/api/hosts");
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe("unauthorized");
  const page = await anon.get("/admin/hosts", { maxRedirects: 0 });
  expect([302, 303, 307]).toContain(page.status());
  await anon.dispose();
});
