// A multi-model endpoint in Chromium against a real studio: three models trained by built-in jobs
// (XGBoost, linear, random forest) behind one endpoint, created from the Endpoints page; the
// target-model header picks one, each loads on its first call (a miss, with its load time) and is
// then a hit; a model added while it serves answers at once; the page shows the servers' cache.
import { expect, test } from "@playwright/test";
import { JOB_TIMEOUT, trainChurnJob, trainChurnXgboost } from "../fixtures/models";
import { apiAs, baseURL, people, signInPage } from "../fixtures/studio";

test("a multi-model endpoint with three models: lazy loads, cache hits, a model added while serving", async ({ page }) => {
  test.setTimeout(2 * JOB_TIMEOUT + 120_000);
  const ds = await apiAs(people.dataScientist);
  const projectName = `MME e2e ${Date.now()}`;
  const { project, datasetVersion, runId: xgbRun } = await trainChurnXgboost(ds, projectName);
  const [linearRun, forestRun] = await Promise.all([
    trainChurnJob(ds, project.id, datasetVersion.id, { name: "churn-linear", algorithm: "linear" }),
    trainChurnJob(ds, project.id, datasetVersion.id, { name: "churn-forest", algorithm: "random_forest" }),
  ]);
  for (const [modelName, runId] of [["churn-xgb", xgbRun], ["churn-linear", linearRun], ["churn-forest", forestRun]]) {
    const registered = await ds.post(`/api/projects/${project.id}/model-versions`, { data: { source: "run", modelName, runId } });
    expect(registered.status(), await registered.text()).toBe(201);
  }
  const { token } = await (await ds.post("/api/tokens", { data: { name: `mme e2e ${Date.now()}` } })).json();
  await ds.dispose();

  // ——— Create it from the Endpoints page with two models ———
  await signInPage(page, people.dataScientist);
  await page.goto("/endpoints");
  await page.getByRole("button", { name: "New multi-model endpoint" }).click();
  const dialog = page.getByRole("dialog", { name: "New multi-model endpoint" });
  await dialog.getByLabel("Project").selectOption({ label: projectName });
  const name = `churn-models-${Date.now().toString(36)}`;
  await dialog.getByLabel("Endpoint name").fill(name);
  await dialog.getByLabel("Memory budget per replica (MB)").fill("256");
  await dialog.getByRole("button", { name: "Add a model" }).click();
  await dialog.getByLabel("Model 1", { exact: true }).selectOption({ label: "churn-xgb" });
  await expect(dialog.getByLabel("Model 1 version")).toContainText("v1");
  await dialog.getByLabel("Model 1 name").fill("xgb");
  await dialog.getByRole("button", { name: "Add a model" }).click();
  await dialog.getByLabel("Model 2", { exact: true }).selectOption({ label: "churn-linear" });
  await expect(dialog.getByLabel("Model 2 version")).toContainText("v1");
  await dialog.getByRole("button", { name: "Create endpoint" }).click();

  await expect(page).toHaveURL(/\/endpoints\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page.getByText("In service")).toBeVisible({ timeout: 60_000 });
  const models = page.getByRole("region", { name: "Models" });
  await expect(models.getByTestId("model-xgb")).toContainText("churn-xgb v1");
  await expect(models.getByTestId("model-churn-linear-v1")).toBeVisible();
  await expect(models.getByTestId("loaded-xgb")).toHaveText("on disk");

  // ——— A third model, added while it serves ———
  await models.getByLabel("Model to add").selectOption({ label: "churn-forest" });
  await expect(models.getByLabel("Version to add")).toContainText("v1");
  await models.getByLabel("Target-model name").fill("forest");
  await models.getByRole("button", { name: "Add model" }).click();
  await expect(models.getByTestId("model-forest")).toContainText("churn-forest v1");

  // ——— The console: the first call loads the model, the next is a cache hit ———
  const console_ = page.getByRole("region", { name: "Test console" });
  for (const target of ["xgb", "churn-linear-v1", "forest"]) {
    await console_.getByLabel("Target model").selectOption(target);
    await console_.getByLabel("Request body").fill("5,90,basic\n50,25,pro");
    await console_.getByRole("button", { name: "Invoke" }).click();
    await expect(console_.getByRole("status")).toContainText(/HTTP 200 .* model cache miss \(loaded in \d+ ms\)/, { timeout: 30_000 });
    await expect(console_.getByLabel("Response")).toContainText('"predicted_label": "yes"');
    await console_.getByRole("button", { name: "Invoke" }).click();
    await expect(console_.getByRole("status")).toContainText("model cache hit");
  }
  // Each model checks its own schema.
  await console_.getByLabel("Request body").fill("5,90");
  await console_.getByRole("button", { name: "Invoke" }).click();
  await expect(console_.getByLabel("Response")).toContainText("the model takes 3 columns");

  // The servers' cache, as the page shows it (polled every 2 s).
  for (const target of ["xgb", "churn-linear-v1", "forest"]) {
    await expect(models.getByTestId(`loaded-${target}`)).toHaveText("loaded on 1 of 1");
    await expect(models.getByTestId(`load-time-${target}`)).toContainText("ms");
  }
  await expect(models.getByTestId("hits-xgb")).toHaveText("2 (1 · 50%)");
  await expect(page.getByTestId("model-cache-summary")).toContainText("Replica 1: 3 loaded");
  await expect(page.getByRole("log", { name: "Endpoint logs" })).toContainText(/\[models\] loaded forest in \d+ ms/, { timeout: 15_000 });
  await page.screenshot({ path: "test-results/multi-model-endpoint.png", fullPage: true });

  // ——— An application with a token: the header picks the model; without it, 400 naming them ———
  const call = (headers: Record<string, string>) =>
    fetch(`${baseURL()}/endpoints/${name}/invocations`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv", ...headers }, body: "5,90,basic" });
  const answer = await call({ "X-Amzn-SageMaker-Target-Model": "forest" });
  expect(answer.status).toBe(200);
  expect(answer.headers.get("x-studio-model-cache")).toBe("hit");
  expect((await answer.json()).predictions[0].predicted_label).toBe("yes");
  const missing = await call({});
  expect(missing.status).toBe(400);
  expect((await missing.json()).error.message).toContain("(it has xgb, churn-linear-v1, forest)");
  expect((await call({ "X-Amzn-SageMaker-Target-Model": "nope" })).status).toBe(404);

  // ——— Removing a model: callers get 404 ———
  page.once("dialog", (d) => void d.accept());
  await models.getByTestId("model-churn-linear-v1").getByRole("button", { name: "Remove" }).click();
  await expect(models.getByTestId("model-churn-linear-v1")).toHaveCount(0);
  await expect.poll(async () => (await call({ "X-Amzn-SageMaker-Target-Model": "churn-linear-v1" })).status, { timeout: 5_000 }).toBe(404);

  // ——— Autoscaling: a target of 1 call per replica per minute is exceeded at once → the maximum, 2 ———
  await page.getByRole("button", { name: "Autoscaling of AllTraffic" }).click();
  const scaling = page.getByRole("dialog", { name: "Autoscaling of AllTraffic" });
  await scaling.getByLabel("Maximum replicas").fill("2");
  await scaling.getByLabel("Target invocations per replica per minute").fill("1");
  await scaling.getByLabel("Scale-out cooldown (s)").fill("0");
  await scaling.getByRole("button", { name: "Save policy" }).click();
  await expect(scaling).toBeHidden();
  await expect(page.getByTestId("autoscaling-AllTraffic")).toContainText("1–2 replicas at 1 calls/replica/min");
  const events = page.getByRole("table", { name: "Scaling events" });
  await expect(events).toContainText("1 → 2", { timeout: 20_000 });
  await expect(events).toContainText(/scale out: \d+\.\d invocations per replica per minute against a target of 1/);
  await expect(page.getByTestId("ready-AllTraffic")).toContainText("2 of 2 ready", { timeout: 60_000 });
  await page.screenshot({ path: "test-results/multi-model-autoscaled.png", fullPage: true });
});
