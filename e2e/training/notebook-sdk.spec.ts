// `import studio` in a notebook needs no set-up: the studio starts the notebook's kernel with the
// SDK's settings and a token scoped to the project, the first log call creates a run in an
// experiment named after the notebook, and the metrics show up in the experiment.
import { expect, test } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";
import { cell, runCell } from "../fixtures/notebook-editor";

test.describe.configure({ timeout: 120_000 });

test("a notebook logs params and metrics with the SDK (no set-up) and they appear in its experiment", async ({ page }) => {
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `SDK ${Date.now()}` } })).json();
  const notebook = await (await ds.post(`/api/projects/${project.id}/notebooks`, { data: { name: "Churn model" } })).json();

  await signInPage(page, people.dataScientist);
  await page.goto(`/notebooks/${notebook.id}`);
  await expect(page.getByRole("region", { name: /^Notebook / })).toBeVisible();
  await runCell(
    page,
    0,
    [
      "import math, studio",
      "studio.log_params({'lr': 0.01, 'depth': 6})",
      "for step in range(20):",
      "    studio.log_metric('loss', 1 / (step + 1), step=step)",
      "studio.log_metric('loss_nan', float('nan'))",
      "print('flushed', studio.flush(timeout=30), studio.active_run().id)",
    ].join("\n"),
  );
  const output = cell(page, 0).getByTestId("cell-outputs");
  await expect(output).toContainText("flushed True", { timeout: 60_000 });
  const runId = (await output.innerText()).trim().split(/\s+/).pop()!;

  // Through the API: the run is in the experiment named after the notebook, with everything logged.
  const experiments = (await (await ds.get(`/api/experiments?projectId=${project.id}`)).json()).experiments;
  expect(experiments).toMatchObject([{ name: "Churn model", runCount: 1 }]);
  const { run } = await (await ds.get(`/api/runs/${runId}`)).json();
  expect(run).toMatchObject({ source: "notebook", notebookId: notebook.id, params: { lr: "0.01", depth: "6" } });
  expect(run.metrics.loss).toMatchObject({ count: 20, latestStep: 19, latest: 0.05, max: 1 });
  expect(run.metrics.loss_nan.latest).toBe("NaN");

  // And on the experiment's page.
  await page.goto(`/experiments/${experiments[0].id}`);
  await expect(page.getByText(run.name).first()).toBeVisible();
  await page.screenshot({ path: "test-results/notebook-sdk-experiment.png" });
  await ds.dispose();
});
