import { expect, test } from "@playwright/test";
import { admin, people, signInPage, apiAs } from "../fixtures/studio";
import { freePort, startGateway, type RunningGateway } from "../../test/gateway";

let gateway: RunningGateway;

test.beforeAll(async () => {
  gateway = await startGateway();
});

test.afterAll(async () => {
  await gateway?.stop();
});

const card = (page: import("@playwright/test").Page, name: string) => page.getByRole("region", { name: `Host ${name}` });

test("the local host started by npm start is healthy and shows its kernel specs and hardware", async ({ page }) => {
  await signInPage(page, admin);
  await page.goto("/admin/hosts");
  const local = card(page, "local");
  await expect(local.getByText("Healthy")).toBeVisible({ timeout: 30_000 });
  await expect(local.getByRole("list", { name: "Kernel specs of local" })).toContainText("python3");
  await expect(local.getByText("None (no nvidia-smi on this host).")).toBeVisible({ timeout: 30_000 });
  await expect(local.getByText(/GiB free of/)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("hosts-local.png"), fullPage: true });
});

test("an admin adds a second gateway and sees its kernel specs; a wrong token shows the auth error", async ({ page }) => {
  await signInPage(page, admin);
  await page.goto("/admin/hosts");

  await page.getByRole("button", { name: "Add host" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a compute host" });
  await dialog.getByLabel("Name").fill("gpu-box-e2e");
  await dialog.getByLabel("Gateway URL").fill(gateway.url);
  await dialog.getByLabel("Token").fill(gateway.token);
  await dialog.getByRole("button", { name: "Add host" }).click();
  await expect(dialog).toBeHidden();

  const added = card(page, "gpu-box-e2e");
  await expect(added.getByText("Healthy")).toBeVisible({ timeout: 30_000 });
  await expect(added.getByRole("list", { name: "Kernel specs of gpu-box-e2e" })).toContainText("Python 3 (ipykernel)");
  await expect(added.getByText(/GiB free of/)).toBeVisible({ timeout: 30_000 });

  // The token never reaches the browser, not even in the API.
  const hosts = await page.evaluate(() => fetch("/api/hosts").then((r) => r.text()));
  expect(hosts).not.toContain(gateway.token);

  await page.getByRole("button", { name: "Add host" }).click();
  const dialog2 = page.getByRole("dialog", { name: "Add a compute host" });
  await dialog2.getByLabel("Name").fill("wrong-token-e2e");
  await dialog2.getByLabel("Gateway URL").fill(gateway.url);
  await dialog2.getByLabel("Token").fill("this-is-not-the-token");
  await dialog2.getByRole("button", { name: "Add host" }).click();
  const wrong = card(page, "wrong-token-e2e");
  await expect(wrong.getByText("Authentication failed").first()).toBeVisible({ timeout: 30_000 });
  await expect(wrong.getByTestId("host-status-reason")).toContainText("the gateway rejected the token");

  // Fixing the token through Edit makes the host healthy.
  await wrong.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit wrong-token-e2e" });
  await edit.getByLabel("Token").fill(gateway.token);
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(wrong.getByText("Healthy")).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: test.info().outputPath("hosts-added.png"), fullPage: true });
});

test("an unreachable URL is saved as unreachable with the reason, and bad input is named", async ({ page }) => {
  const api = await apiAs(admin);
  const port = await freePort();
  const res = await api.post("/api/hosts", { data: { name: "nowhere-e2e", url: `http://127.0.0.1:${port}`, token: "x".repeat(20) } });
  expect(res.status()).toBe(201);

  const malformed = await api.post("/api/hosts", { data: Buffer.from("{not json"), headers: { "Content-Type": "application/json" } });
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).error.code).toBe("bad_request");

  const invalid = await api.post("/api/hosts", { data: { name: "", url: "ftp://example" } });
  expect(invalid.status()).toBe(422);
  const issues = (await invalid.json()).error.issues.map((i: { path: string }) => i.path);
  expect(issues).toEqual(expect.arrayContaining(["name", "url"]));

  expect((await api.get("/api/hosts/doesnotexist000")).status()).toBe(404);
  await api.dispose();

  await signInPage(page, admin);
  await page.goto("/admin/hosts");
  const nowhere = card(page, "nowhere-e2e");
  await expect(nowhere.getByText("Unreachable")).toBeVisible({ timeout: 30_000 });
  await expect(nowhere.getByTestId("host-status-reason")).toContainText("Connection refused");
});

test("a data scientist sees hosts without the controls to change them", async ({ page }) => {
  await signInPage(page, people.dataScientist);
  await page.goto("/admin/hosts");
  await expect(card(page, "local")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add host" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit" })).toHaveCount(0);
});

test("a GPU host shows each GPU with its memory and utilisation", async ({ page }) => {
  const gpuGateway = await startGateway({
    fakeGpus: [
      "0, NVIDIA A100-SXM4-80GB, GPU-3b5b2c3e-9d0a-6f1b-1c9e-2f7f5b8d1a01, 81920, 20480, 37, 41",
      "1, NVIDIA A100-SXM4-80GB, GPU-9a8b7c6d-5e4f-3a2b-1c0d-ffeeddccbbaa, 81920, 0, 0, 30",
    ],
  });
  try {
    const api = await apiAs(admin);
    expect((await api.post("/api/hosts", { data: { name: "a100-box-e2e", url: gpuGateway.url, token: gpuGateway.token } })).status()).toBe(201);
    await api.dispose();

    await signInPage(page, admin);
    await page.goto("/admin/hosts");
    const host = card(page, "a100-box-e2e");
    await expect(host.getByText("2 GPU")).toBeVisible({ timeout: 30_000 });
    const gpus = host.getByRole("table", { name: "GPUs of a100-box-e2e" });
    await expect(gpus.getByRole("row")).toHaveCount(2);
    await expect(gpus.getByRole("row").first()).toContainText("NVIDIA A100-SXM4-80GB");
    await expect(gpus.getByRole("row").first()).toContainText("20.0 GiB / 80.0 GiB");
    await expect(gpus.getByRole("row").first()).toContainText("37%");
    await host.screenshot({ path: test.info().outputPath("gpu-host.png") });
  } finally {
    await gpuGateway.stop();
  }
});
