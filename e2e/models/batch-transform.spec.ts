// Batch transform in Chromium against a real studio: a built-in XGBoost job trains on an uploaded
// CSV, its model is registered from the run's page; from the version page the "Batch transform"
// dialog picks the dataset (its extra target column left out by the suggested InputFilter), joins
// the input; the worker runs the sandboxed transform, the job page follows it to Completed and
// shows the output's first lines; the output dataset version opens, profiled like any upload.
import { expect, test } from "@playwright/test";
import { JOB_TIMEOUT, registerRunModel, trainChurnXgboost } from "../fixtures/models";
import { apiAs, people, signInPage } from "../fixtures/studio";


test("batch transform of a CSV from the model version page: progress, completion, output dataset version", async ({ page }) => {
  test.setTimeout(JOB_TIMEOUT + 150_000);
  const ds = await apiAs(people.dataScientist);
  const { project, datasetId, datasetVersion: version, runId } = await trainChurnXgboost(ds, `Transform e2e ${Date.now()}`);
  await ds.dispose();

  // ——— Register the run's model ———
  await signInPage(page, people.dataScientist);
  await registerRunModel(page, runId, "churn-xgb");
  const versionUrl = page.url();

  // ——— The dialog ———
  await page.getByRole("button", { name: "Batch transform" }).click();
  const dialog = page.getByRole("dialog", { name: "Batch transform" });
  await expect(dialog.getByLabel("Input dataset")).toHaveValue(datasetId);
  await expect(dialog.getByLabel("Version")).toHaveAccessibleDescription(/churn\.csv · CSV \(text\/csv\) · 400 records/);
  // The dataset has the target too: the suggested filter hands the model its three columns.
  await expect(dialog.getByLabel("Input filter (JSONPath)")).toHaveValue("$[0:3]");
  await expect(dialog.getByText("Splitting and batching")).toContainText("(by line, MultiRecord, up to 6 MB, assemble by line)");
  await dialog.getByText("Splitting and batching").click();
  await expect(dialog.getByLabel("Split type")).toHaveValue("Line");
  await expect(dialog.getByLabel("Batch strategy")).toHaveValue("MultiRecord");
  await expect(dialog.getByLabel("Max payload (MB)")).toHaveValue("6");
  await expect(dialog.getByLabel("Output dataset")).toHaveValue("churn-predictions");
  await dialog.getByLabel("Output filter (JSONPath)").fill("$..x");
  await expect(dialog.getByLabel("Output filter (JSONPath)")).toHaveAccessibleDescription(/\$\.\.x is not supported: use \$, \$\[i,j\]/);
  await dialog.getByLabel("Output filter (JSONPath)").fill("$");
  await dialog.getByLabel(/Join the input to each prediction/).check();
  await expect(dialog.getByLabel("Output format")).toBeDisabled();
  await dialog.getByLabel("Job name").fill("churn-scores");
  await page.screenshot({ path: "test-results/batch-transform-dialog.png" });
  await dialog.getByRole("button", { name: "Start transform" }).click();

  // ——— The job page follows it ———
  await expect(page).toHaveURL(/\/transform-jobs\/[^/]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("churn-scores");
  await expect(page.getByText("Completed", { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("progressbar", { name: "Progress" })).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByRole("progressbar", { name: "Progress" })).toHaveAttribute("aria-valuetext", /400 of 400 records/);
  const preview = page.getByLabel("First lines of the output");
  await expect(preview).toContainText("tenure,monthly,plan,churned,predicted_label,probability", { timeout: 20_000 });
  await expect(preview).toContainText(/^0,20,basic,no,(yes|no),[01](\.\d+)?$/m);
  const settings = page.getByRole("table", { name: "Settings" });
  await expect(settings.getByRole("row", { name: /JoinSource/ })).toContainText("Input");
  await expect(settings.getByRole("row", { name: /InputFilter/ })).toContainText("$[0:3]");
  await page.screenshot({ path: "test-results/batch-transform-job.png", fullPage: true });

  // ——— Listed under Models → Batch transforms ———
  await page.getByRole("link", { name: "Batch transforms" }).click();
  const row = page.getByRole("table", { name: "Batch transforms" }).getByRole("row", { name: /churn-scores/ });
  await expect(row).toContainText("Completed");
  await expect(row).toContainText("churn v1 → churn-predictions v1");
  await page.getByLabel("Show batch transforms of").selectOption({ label: project.name });
  await expect(page).toHaveURL(new RegExp(`/transform-jobs\\?projectId=${project.id}$`));
  await expect(page.getByRole("table", { name: "Batch transforms" }).getByRole("row")).toHaveCount(2);
  await page.screenshot({ path: "test-results/batch-transform-list.png" });
  await row.getByRole("link", { name: "churn-scores" }).click();

  // ——— The output is a dataset version, profiled like an upload ———
  await page.getByRole("link", { name: "churn-predictions v1" }).click();
  await expect(page).toHaveURL(/\/datasets\/[^/]+\?version=1$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("churn-predictions");
  const columns = page.getByRole("table", { name: "Columns" });
  await expect(columns.getByRole("row", { name: /predicted_label/ })).toContainText("string");
  await expect(columns.getByRole("row", { name: /probability/ })).toContainText("float");
  await expect(page.getByRole("table", { name: "Versions" })).toContainText("churn.csv.out");
  await page.screenshot({ path: "test-results/batch-transform-output.png", fullPage: true });

  // The model version still is where it was; the API refuses JSONPath it does not support.
  await page.goto(versionUrl);
  const refused = await page.request.post(`/api/projects/${project.id}/transform-jobs`, {
    data: { name: "nope", modelVersionId: versionUrl.split("/").pop(), datasetVersionId: version.id, inputFilter: "$..tenure" },
    headers: { Origin: new URL(versionUrl).origin },
  });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error.message).toContain("InputFilter $..tenure is not supported");
});
