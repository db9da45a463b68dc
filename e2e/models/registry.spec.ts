// The model registry in Chromium against a real studio: a run that logged a model folder is
// registered from its page, the version shows its signature, metrics and lineage, is approved and
// rejected with comments kept in its history, appears in the registry list; an upload that is not
// what its framework loads is refused under the file field; a viewer reads but cannot decide.
import { expect, test } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";

const manifest = {
  format: "studio-model/1",
  name: "model",
  framework: "xgboost",
  algorithm: "xgboost",
  task: "binary_classification",
  loader: "joblib",
  model_file: "model.joblib",
  input_schema: [
    { name: "tenure_months", type: "integer" },
    { name: "monthly_spend", type: "float" },
    { name: "plan", type: "string" },
  ],
  target: "churned",
  classes: [0, 1],
  metrics: { "validation:accuracy": 0.912, "validation:auc": 0.954 },
};

test("register a run's model, approve and reject it with reasons, find it in the registry; a viewer reads", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `Registry e2e ${Date.now()}` } })).json();
  const directory: { id: string; email: string }[] = await (await ds.get("/api/users/directory")).json();
  const viewerId = directory.find((u) => u.email === people.viewer.email)!.id;
  expect((await ds.post(`/api/projects/${project.id}/members`, { data: { userId: viewerId, role: "viewer" } })).status()).toBe(200);
  const created = await ds.post(`/api/projects/${project.id}/runs`, { data: { experiment: "churn", name: "xgb-depth-6", source: "sdk" } });
  expect(created.status(), await created.text()).toBe(201);
  const { run } = await created.json();
  const files: Record<string, Buffer> = {
    "model/model.joblib": Buffer.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0]),
    "model/studio-model.json": Buffer.from(JSON.stringify(manifest)),
  };
  for (const [path, data] of Object.entries(files)) {
    const put = await ds.put(`/api/runs/${run.id}/artifacts?path=${encodeURIComponent(path)}`, { data, headers: { "Content-Type": "application/octet-stream" } });
    expect(put.status(), await put.text()).toBeLessThan(300);
  }
  await ds.dispose();

  const modelName = `churn-${Date.now().toString(36)}`;
  await signInPage(page, people.dataScientist);

  // ——— Register from the run's page ———
  await page.goto(`/runs/${run.id}`);
  await page.getByRole("region", { name: "Artifacts" }).getByRole("button", { name: "Register model" }).click();
  const dialog = page.getByRole("dialog", { name: "Register model" });
  await dialog.getByLabel("Model name").fill("churn xgb");
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByLabel("Model name")).toHaveAccessibleDescription(/letters, digits/);
  await dialog.getByLabel("Model name").fill(modelName);
  await dialog.getByRole("button", { name: "Register" }).click();

  await expect(page).toHaveURL(/\/models\/versions\//);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${modelName} · version 1`);
  await expect(page.getByText("Pending approval").first()).toBeVisible();
  const inputs = page.getByRole("table", { name: "Input columns" });
  await expect(inputs.getByRole("row")).toHaveCount(4);
  await expect(inputs).toContainText("monthly_spend");
  await expect(page.getByRole("table", { name: "Output columns" })).toContainText("predicted_label");
  await expect(page.getByRole("table", { name: "Metrics" })).toContainText("validation:auc");
  await expect(page.getByRole("table", { name: "Metrics" })).toContainText("0.954");
  await expect(page.getByRole("region", { name: "Lineage" }).getByRole("link", { name: "xgb-depth-6" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Files" }).getByRole("link", { name: "Download model.joblib" })).toBeVisible();

  // ——— Reject needs a reason; approve and reject are kept in the history ———
  await page.getByRole("button", { name: "Reject" }).click();
  await expect(page.getByLabel("Comment (why; required to reject)")).toHaveAccessibleDescription("say why the version is rejected");
  await page.getByLabel("Comment (why; required to reject)").fill("AUC beats the production model by 3 points");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("region", { name: "Approval" }).getByText("Approved", { exact: true })).toBeVisible();
  await expect(page.getByRole("region", { name: "Approval" })).toContainText(`by ${people.dataScientist.name}`);
  await expect(page.getByRole("list", { name: "Approval history" }).getByRole("listitem")).toHaveCount(2);
  await expect(page.getByRole("list", { name: "Approval history" })).toContainText("AUC beats the production model by 3 points");
  await page.screenshot({ path: "test-results/model-version.png", fullPage: true });

  // ——— The registry lists it, the model page shows its versions ———
  await page.goto("/models");
  const row = page.getByRole("table", { name: "Models" }).getByRole("row", { name: new RegExp(modelName) });
  await expect(row).toContainText("Approved");
  await expect(row.getByRole("link", { name: "v1" }).first()).toBeVisible();
  await page.screenshot({ path: "test-results/model-registry.png" });
  await row.getByRole("link", { name: modelName }).click();
  await expect(page.getByRole("table", { name: "Versions" })).toContainText("Version 1");
  await expect(page.getByRole("table", { name: "Versions" })).toContainText("accuracy 0.912");

  // ——— An upload that is not what its framework loads is refused under the file field ———
  await page.goto("/models");
  await page.getByRole("button", { name: "Upload model" }).click();
  const upload = page.getByRole("dialog", { name: "Upload a model" });
  await upload.getByLabel("Project").selectOption({ label: project.name });
  await upload.getByLabel("Model name").fill("iris-onnx");
  await upload.getByLabel("Framework").selectOption("onnx");
  await upload.getByLabel(/Model file/).setInputFiles({ name: "iris.onnx", mimeType: "application/octet-stream", buffer: Buffer.from("this is not a protobuf") });
  await upload.getByLabel(/Input columns/).fill("sepal_length float\nsepal_width float");
  await upload.getByRole("button", { name: "Upload and register" }).click();
  await expect(upload.getByText(/is not an ONNX model/)).toBeVisible();
  await upload.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("table", { name: "Models" })).not.toContainText("iris-onnx");

  // ——— A viewer reads the version and cannot decide on it ———
  const versionUrl = await (async () => {
    await page.goto("/models");
    await page.getByRole("table", { name: "Models" }).getByRole("row", { name: new RegExp(modelName) }).getByRole("link", { name: "v1" }).first().click();
    await expect(page).toHaveURL(/\/models\/versions\//);
    return page.url();
  })();
  const viewerContext = await browser.newContext();
  const viewerPage = await viewerContext.newPage();
  await signInPage(viewerPage, people.viewer);
  await viewerPage.goto(versionUrl);
  await expect(viewerPage.getByRole("heading", { level: 1 })).toHaveText(`${modelName} · version 1`);
  await expect(viewerPage.getByRole("button", { name: /Approve|Reject|Back to pending/ })).toHaveCount(0);
  const viewerApi = await apiAs(people.viewer);
  const refused = await viewerApi.post(`/api/model-versions/${versionUrl.split("/").pop()}/approval`, { data: { status: "Rejected", comment: "no" } });
  expect(refused.status()).toBe(403);
  await viewerApi.dispose();
  await viewerContext.close();
});
