// Training jobs in Chromium against a real studio: the worker starts each job in a kernel on the
// local gateway, where the studio SDK's job runner runs the code and reports logs, metrics,
// artifacts and the outcome. A built-in XGBoost job made through the form completes with metrics
// and a model; a crashing script fails with its traceback's last line; a long script is stopped;
// an invalid hyperparameter is refused with the field named, and the form shows it under the field.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";

const JOB_TIMEOUT = 180_000;

async function projectWithDataset(ds: APIRequestContext, label: string) {
  const project = await (await ds.post("/api/projects", { data: { name: `Jobs e2e ${label} ${Date.now()}` } })).json();
  // A churn-like table: the label depends on two features, so a model can learn it.
  const rows = ["tenure,monthly,plan,churned"];
  for (let i = 0; i < 400; i++) {
    const tenure = (i * 7) % 60;
    const monthly = 20 + ((i * 13) % 80);
    rows.push(`${tenure},${monthly},${["basic", "plus", "pro"][i % 3]},${tenure < 20 && monthly > 50 ? "yes" : "no"}`);
  }
  const upload = await ds.post(`/api/projects/${project.id}/datasets/upload?name=churn&filename=churn.csv`, {
    data: Buffer.from(`${rows.join("\n")}\n`),
    headers: { "Content-Type": "application/octet-stream" },
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const { datasetId, version } = await upload.json();
  await expect
    .poll(async () => (await (await ds.get(`/api/datasets/${datasetId}`)).json()).versions[0].status, { timeout: 30_000 })
    .toBe("ready");
  return { project, datasetId: datasetId as string, versionId: version.id as string };
}

async function uploadScript(ds: APIRequestContext, projectId: string, source: string): Promise<string> {
  const res = await ds.post(`/api/projects/${projectId}/jobs/code?filename=train.py`, { data: Buffer.from(source), headers: { "Content-Type": "application/octet-stream" } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).codeUploadId;
}

const heading = (page: Page) => page.getByRole("heading", { level: 1 });

test("a built-in XGBoost job made through the form completes with metrics and a model", async ({ page }) => {
  test.setTimeout(JOB_TIMEOUT + 60_000);
  const ds = await apiAs(people.dataScientist);
  const { project } = await projectWithDataset(ds, "xgboost");
  await ds.dispose();

  await signInPage(page, people.dataScientist);
  await page.goto(`/jobs/new?projectId=${project.id}`);
  await page.getByLabel("Name", { exact: true }).fill("churn-xgb");
  await expect(page.getByRole("radio", { name: /XGBoost/ })).toHaveAttribute("aria-checked", "true");
  await page.getByLabel("Dataset for train").selectOption({ label: "churn" });
  await expect(page.getByLabel("Version for train")).toHaveValue(/.+/);
  const target = page.getByLabel("Target column · target");
  await expect(target.locator("option", { hasText: "churned" })).toHaveCount(1);
  await target.selectOption("churned");
  await page.getByLabel("Boosting rounds · num_round").fill("30");
  await page.screenshot({ path: "test-results/job-new.png", fullPage: true });
  await page.getByRole("button", { name: "Create training job" }).click();

  await expect(page).toHaveURL(/\/jobs\/[^/]+$/);
  await expect(heading(page)).toContainText("churn-xgb");
  await expect(heading(page)).toContainText("Completed", { timeout: JOB_TIMEOUT });
  const metrics = page.getByRole("table", { name: "Metrics" });
  await expect(metrics.getByRole("row", { name: /validation:accuracy/ })).toBeVisible();
  const artifacts = page.getByRole("list", { name: "Artifacts" });
  await expect(artifacts.getByRole("link", { name: "model/model.joblib" })).toBeVisible();
  await expect(artifacts.getByRole("link", { name: "model/studio-model.json" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Hyperparameters" })).toContainText("churned");
  await expect(page.getByRole("list", { name: "Inputs" }).getByRole("link", { name: "churn v1" })).toBeVisible();
  await expect(page.getByTestId("log-lines")).toContainText("validation:accuracy");
  await page.screenshot({ path: "test-results/job-completed.png", fullPage: true });

  // Cloning prefills the form from the job.
  await page.getByRole("link", { name: "Clone" }).click();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("churn-xgb-clone");
  await expect(page.getByLabel("Target column · target")).toHaveValue("churned");
  await expect(page.getByLabel("Boosting rounds · num_round")).toHaveValue("30");

  // The jobs list shows it with its project and source.
  await page.goto("/jobs");
  const row = page.getByRole("table", { name: "Training jobs" }).getByRole("row").filter({ hasText: project.name });
  await expect(row).toContainText("churn-xgb");
  await expect(row).toContainText("Completed");
  await expect(row).toContainText("XGBoost");
  await page.getByLabel("Status").selectOption("failed");
  await expect(page.getByRole("table", { name: "Training jobs" }).getByRole("row").filter({ hasText: project.name })).toHaveCount(0);
  await page.getByLabel("Status").selectOption("");
  await page.screenshot({ path: "test-results/jobs-list.png", fullPage: true });

  // The project's page lists its jobs too.
  await page.goto(`/projects/${project.id}`);
  await expect(page.getByRole("region", { name: "Training jobs" }).getByRole("row", { name: /churn-xgb/ })).toContainText("Completed");
});

test("a script that raises fails with the traceback's last line, and its log lines are shown", async ({ page }) => {
  test.setTimeout(JOB_TIMEOUT + 60_000);
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Jobs e2e crash ${Date.now()}` } })).json();
  await ds.dispose();

  await signInPage(page, people.dataScientist);
  await page.goto(`/jobs/new?projectId=${project.id}`);
  await page.getByLabel("Name", { exact: true }).fill("crashing-script");
  await page.getByRole("tab", { name: "Script" }).click();
  const script = "print('loading data', flush=True)\nprint('about to fail', flush=True)\ndef f():\n    raise ValueError('learning rate must be positive')\nf()\n";
  await page.getByLabel("Training code").setInputFiles({ name: "train.py", mimeType: "text/x-python", buffer: Buffer.from(script) });
  await expect(page.getByTestId("uploaded-code")).toContainText("train.py");
  await page.getByRole("button", { name: "Create training job" }).click();

  await expect(heading(page)).toContainText("Failed", { timeout: JOB_TIMEOUT });
  const reason = page.getByRole("alert", { name: "Failure reason" });
  await expect(reason).toContainText("ValueError: learning rate must be positive");
  const log = page.getByTestId("log-lines");
  await expect(log).toContainText("about to fail");
  await expect(log).toContainText("Traceback (most recent call last)");
  await expect(log.locator('[data-stream="stderr"]').first()).toBeVisible();
  // Searching the log keeps only matching lines.
  await page.getByLabel("Search logs").fill("about to");
  await expect(log).not.toContainText("loading data");
  await expect(log).toContainText("about to fail");
  await page.getByLabel("Search logs").fill("");
  await page.screenshot({ path: "test-results/job-failed.png", fullPage: true });

  // Cloning a script job copies its code into the new job's form.
  await page.getByRole("link", { name: "Clone" }).click();
  await expect(page.getByRole("tab", { name: "Script" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("uploaded-code")).toContainText("train.py");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("crashing-script-clone");

  await page.goto("/jobs");
  await expect(page.getByRole("table", { name: "Training jobs" }).getByRole("row").filter({ hasText: "crashing-script" }).first()).toContainText("ValueError: learning rate must be positive");
});

test("a long job is stopped from its page and ends Stopped", async ({ page }) => {
  test.setTimeout(JOB_TIMEOUT + 60_000);
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Jobs e2e stop ${Date.now()}` } })).json();
  const codeUploadId = await uploadScript(ds, project.id, "import time\nfor i in range(3000):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n");
  const created = await ds.post(`/api/projects/${project.id}/jobs`, { data: { name: "long-sleeper", sourceType: "script", codeUploadId, codeFilename: "train.py", maxRuntimeSeconds: 600 } });
  expect(created.status(), await created.text()).toBe(201);
  const { job } = await created.json();
  await ds.dispose();

  await signInPage(page, people.dataScientist);
  await page.goto(`/jobs/${job.id}`);
  await expect(heading(page)).toContainText("Running", { timeout: JOB_TIMEOUT });
  const log = page.getByTestId("log-lines");
  await expect(log).toContainText("tick 5", { timeout: 60_000 });
  // The viewer follows the tail: newer lines keep appearing at the bottom.
  await expect(log).toContainText("tick 30", { timeout: 30_000 });
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Stop job" }).click();
  await expect(heading(page)).toContainText(/Stopping|Stopped/);
  await expect(heading(page)).toContainText("Stopped", { timeout: 60_000 });
  await expect(page.getByRole("status", { name: "Status reason" })).toContainText("Stopped by");
  await expect(page.getByRole("button", { name: "Stop", exact: true })).toHaveCount(0);
});

test("an invalid hyperparameter is refused naming the field, and the form shows it under that field", async ({ page }) => {
  const ds = await apiAs(people.dataScientist);
  const { project, versionId } = await projectWithDataset(ds, "invalid");
  const res = await ds.post(`/api/projects/${project.id}/jobs`, {
    data: { name: "bad-depth", sourceType: "builtin", algorithm: "xgboost", hyperparameters: { target: "churned", max_depth: "-3" }, inputs: [{ channel: "train", datasetVersionId: versionId }] },
  });
  expect(res.status()).toBe(422);
  const { error } = await res.json();
  expect(error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: "hyperparameters.max_depth" })]));
  await ds.dispose();

  await signInPage(page, people.dataScientist);
  await page.goto(`/jobs/new?projectId=${project.id}`);
  await page.getByLabel("Name", { exact: true }).fill("bad-depth");
  await page.getByLabel("Dataset for train").selectOption({ label: "churn" });
  await page.getByLabel("Target column · target").selectOption("churned");
  const depth = page.getByLabel("Max tree depth · max_depth");

  // The browser checks first...
  await depth.fill("-3");
  await page.getByRole("button", { name: "Create training job" }).click();
  await expect(depth).toHaveAccessibleDescription(/at least 0/);
  await expect(page).toHaveURL(/\/jobs\/new/);

  // ...and what the server refuses (here: a request altered on its way) lands under the same field.
  await depth.fill("6");
  await page.route(`**/api/projects/${project.id}/jobs`, async (route) => {
    const body = route.request().postDataJSON();
    await route.continue({ postData: JSON.stringify({ ...body, hyperparameters: { ...body.hyperparameters, max_depth: "-3" } }) });
  });
  await page.getByRole("button", { name: "Create training job" }).click();
  await expect(depth).toHaveAccessibleDescription(new RegExp(error.issues.find((i: { path: string }) => i.path === "hyperparameters.max_depth").message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  await expect(page.getByRole("alert").filter({ hasText: "hyperparameters.max_depth" })).toBeVisible();
  await expect(page).toHaveURL(/\/jobs\/new/);
});

test("the log viewer keeps up with a job that prints 100,000 lines", async ({ page }) => {
  test.setTimeout(JOB_TIMEOUT + 60_000);
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Jobs e2e log ${Date.now()}` } })).json();
  const codeUploadId = await uploadScript(ds, project.id, "import sys\nfor i in range(100_000):\n    print(f'line {i} of the long log')\nprint('needle-at-the-end', file=sys.stderr)\n");
  const created = await ds.post(`/api/projects/${project.id}/jobs`, { data: { name: "chatty", sourceType: "script", codeUploadId, codeFilename: "train.py" } });
  expect(created.status(), await created.text()).toBe(201);
  const { job } = await created.json();
  await ds.dispose();

  await signInPage(page, people.dataScientist);
  await page.goto(`/jobs/${job.id}`);
  await expect(heading(page)).toContainText("Completed", { timeout: JOB_TIMEOUT });
  const log = page.getByTestId("log-lines");
  const count = page.getByRole("region", { name: "Logs" }).getByRole("status");
  await expect(count).toContainText(/10[0-9],[0-9]{3} lines/, { timeout: 30_000 });
  // Only the visible lines are in the page, and the view sits at the tail.
  expect(await log.locator("[data-stream]").count()).toBeLessThan(200);
  await expect(log).toContainText("needle-at-the-end");
  await page.getByLabel("Search logs").fill("line 51234 ");
  await expect(count).toContainText("1 matching of");
  await expect(log).toContainText("line 51234 of the long log");
});
