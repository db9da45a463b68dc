// From a training job to a live endpoint in Chromium against a real studio: a built-in XGBoost job
// trains on an uploaded CSV; its run's model is registered (and exported to ONNX by the worker),
// approved and deployed in one click; the web server answers with the ONNX export in-process, and
// the endpoint page's test console and an API token both get predictions; bad input is answered 400 naming the schema; the captured
// requests and the shadow's comparisons show on the page (as text) and download; deleting it stops it.
import { expect, request, test } from "@playwright/test";
import { JOB_TIMEOUT, registerRunModel, trainChurnXgboost } from "../fixtures/models";
import { apiAs, baseURL, people, signInPage } from "../fixtures/studio";

test("register the XGBoost model a job made, approve it, deploy in one click, invoke from the console and with a token", async ({ page }) => {
  test.setTimeout(JOB_TIMEOUT + 120_000);
  const ds = await apiAs(people.dataScientist);
  const { runId } = await trainChurnXgboost(ds, `Deploy e2e ${Date.now()}`);
  const { token } = await (await ds.post("/api/tokens", { data: { name: `deploy e2e ${Date.now()}` } })).json();
  await ds.dispose();

  // ——— Register, approve, deploy ———
  await signInPage(page, people.dataScientist);
  await registerRunModel(page, runId, "churn-xgb");
  await expect(page.getByRole("table", { name: "Input columns" })).toContainText("monthly");
  await expect(page.getByRole("region", { name: "Lineage" }).getByRole("link", { name: "churn v1" })).toBeVisible();
  await page.getByLabel("Comment (why; required to reject)").fill("validation accuracy is good");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByRole("region", { name: "Approval" }).getByText("Approved", { exact: true })).toBeVisible();

  // The worker exports it to ONNX and checks the export against the model (the page follows it).
  const runtime = page.getByTestId("serving-runtime");
  await expect(runtime).toContainText("Exported to ONNX", { timeout: 60_000 });
  await expect(runtime).toContainText(/checked on \d+ rows/);

  await page.getByRole("button", { name: "Deploy" }).click();
  const dialog = page.getByRole("dialog", { name: "Deploy to an endpoint" });
  await expect(dialog.getByLabel("Runtime")).toHaveValue("auto");
  await expect(dialog.getByLabel("Runtime").locator("option:checked")).toHaveText("Automatic (ONNX, in-process (onnxruntime))");
  await dialog.getByLabel("Endpoint name").fill(`churn-${Date.now().toString(36)}`);
  await expect(dialog.getByLabel(/Production endpoint/)).toBeChecked();
  await dialog.getByLabel(/Capture data for monitoring/).check();
  await dialog.getByLabel("Share of requests captured (%)").fill("100");
  await dialog.getByRole("button", { name: "Deploy" }).click();

  await expect(page).toHaveURL(/\/endpoints\/[^/]+$/);
  const name = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
  await expect(page.getByText("In service")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("ready-AllTraffic")).toHaveText("ONNX, in-process");
  await expect(page.getByTestId("data-capture")).toContainText("100% of requests (input and output)");
  await expect(page.getByRole("log", { name: "Endpoint logs" })).toContainText("served in-process by the web server", { timeout: 15_000 });

  // ——— The test console ———
  await page.getByLabel("Request body").fill("5,90,basic\n50,25,pro");
  await page.getByRole("button", { name: "Invoke" }).click();
  await expect(page.getByRole("status").filter({ hasText: "HTTP 200" })).toContainText(/\(model \d+\.\d ms\)/);
  await expect(page.getByLabel("Response")).toContainText('"predicted_label": "yes"');
  await expect(page.getByLabel("Response")).toContainText('"predicted_label": "no"');
  await page.screenshot({ path: "test-results/endpoint.png", fullPage: true });
  // No shadow yet: the comparisons tab says how to get one.
  const captured = page.getByRole("region", { name: "Captured data" });
  await captured.getByRole("tab", { name: "Shadow comparisons" }).click();
  await expect(captured.getByText("No shadow variant")).toBeVisible();
  await expect(captured).toContainText("Update variants");
  await captured.screenshot({ path: "test-results/endpoint-no-shadow.png" });
  await captured.getByRole("tab", { name: "Captured requests" }).click();
  await page.getByLabel("Request body").fill("5,90");
  await page.getByRole("button", { name: "Invoke" }).click();
  await expect(page.getByRole("status").filter({ hasText: "HTTP 400" })).toBeVisible();
  await expect(page.getByLabel("Response")).toContainText("the model takes 3 columns: tenure (integer), monthly (integer), plan (string)");
  // The invocation numbers count both (the router saves them every 5 s; the page polls).
  const recent = page.getByRole("region", { name: "Invocations" });
  await expect(recent.getByText("4xx answers").locator("..")).toContainText("50.0%", { timeout: 20_000 });
  await expect(recent.getByText("p50", { exact: true }).locator("..")).toContainText("ms");
  // The router's own share: latency minus the model's time, over the answers a model computed.
  await expect(recent.getByText("Overhead p99").locator("..")).toContainText(/\d ms/);
  await page.screenshot({ path: "test-results/endpoint-stats.png", fullPage: true });

  // ——— An application with an API token ———
  const app = await request.newContext({ baseURL: baseURL(), extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const answer = await app.post(`/endpoints/${name}/invocations`, { data: JSON.stringify({ instances: [{ tenure: 5, monthly: 90, plan: "basic" }] }), headers: { "Content-Type": "application/json" } });
  expect(answer.status(), await answer.text()).toBe(200);
  expect(answer.headers()["x-amzn-invoked-production-variant"]).toBe("AllTraffic");
  expect((await answer.json()).predictions[0]).toMatchObject({ predicted_label: "yes" });
  const anonymous = await request.newContext({ baseURL: baseURL() });
  expect((await anonymous.post(`/endpoints/${name}/invocations`, { data: "5,90,basic", headers: { "Content-Type": "text/csv" } })).status()).toBe(401);
  await anonymous.dispose();

  // ——— Update without dropping requests: the same version on the Python model server, then a shadow ———
  await page.getByRole("button", { name: "Update variants" }).click();
  const update = page.getByRole("dialog", { name: `Update ${name}` });
  await update.getByLabel("Variant 1 runtime").selectOption("python");
  await update.getByRole("button", { name: "Update" }).click();
  await expect(update).toBeHidden();
  const variants = page.getByRole("table", { name: "Variants" });
  await expect(variants.getByText("serving until the switch").or(variants.getByText("starting (update)")).first()).toBeVisible();
  await expect(page.getByTestId("ready-AllTraffic")).toHaveText("Python model server · 1 of 1 ready", { timeout: 60_000 });
  await expect(page.getByText("In service")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("log", { name: "Endpoint logs" })).toContainText("now takes its traffic");

  await page.getByRole("button", { name: "Update variants" }).click();
  await update.getByRole("button", { name: "Add variant" }).click();
  await expect(update.getByLabel("Variant 2 name")).toHaveValue("Canary");
  await update.getByLabel("Variant 2 name").fill("Shadow");
  await update.getByLabel("Variant 2 runtime").selectOption("onnx");
  await update.getByLabel("Variant 2 is a shadow").check();
  await update.getByLabel("Variant 2 share copied (%)").fill("100");
  await page.screenshot({ path: "test-results/endpoint-update.png", fullPage: true });
  await update.getByRole("button", { name: "Update" }).click();
  await expect(update).toBeHidden();
  await expect(variants.getByText("shadow · 100% copied")).toBeVisible();
  await expect(page.getByTestId("ready-Shadow")).toHaveText("ONNX, in-process", { timeout: 60_000 });
  await expect(variants.getByText("starting (update)")).toBeHidden({ timeout: 30_000 });
  await page.getByLabel("Request body").fill("5,90,basic");
  // The shadow's copy is counted under its own name (and recorded under shadow/ in the artifact
  // store). The router sees the new variant within its 1 s routing cache and saves counts every
  // 5 s: invoke until the shadow has counted one.
  const shadowRequests = page.getByRole("table", { name: "Invocations per variant" }).getByRole("row").filter({ has: page.getByRole("cell", { name: "Shadow", exact: true }) }).getByRole("cell").nth(1);
  await expect(async () => {
    await page.getByRole("button", { name: "Invoke" }).click();
    await expect(page.getByRole("status").filter({ hasText: "HTTP 200" })).toContainText("variant AllTraffic");
    await expect(shadowRequests).not.toHaveText("0", { timeout: 6_000 });
  }).toPass({ timeout: 30_000 });
  await page.screenshot({ path: "test-results/endpoint-shadow.png", fullPage: true });

  // ——— Captured data: what a caller sent and got (markup in a request stays text), and the shadow's answer beside production's ———
  const markup = "5,90,<img src=x onerror=alert(1)>";
  const odd = await app.post(`/endpoints/${name}/invocations`, { data: markup, headers: { "Content-Type": "text/csv" } });
  expect(odd.status(), await odd.text()).toBe(200);
  const records = captured.getByRole("region", { name: "Records" });
  // Written within 5 s, listed within 10 s; the newest file opens by itself.
  const sent = records.getByRole("article").filter({ hasText: "onerror" }).first();
  await expect(sent).toBeVisible({ timeout: 30_000 });
  await expect(sent.getByRole("group", { name: "Input" })).toContainText(`text/csv · CSV`);
  await expect(sent.getByRole("group", { name: "Input" }).locator("pre")).toHaveText(markup);
  await expect(sent.getByRole("group", { name: "Output" })).toContainText("predicted_label");
  await expect(sent).toContainText(/Event id\s*[0-9a-f-]{36}/);
  await expect(captured.getByRole("table", { name: "Captured files" })).toContainText("AllTraffic");
  await expect(captured.locator("img")).toHaveCount(0);
  await sent.scrollIntoViewIfNeeded();
  await captured.screenshot({ path: "test-results/endpoint-captured.png" });

  await captured.getByRole("tab", { name: "Shadow comparisons" }).click();
  await expect(captured.getByRole("table", { name: "Captured files" })).toContainText("Shadow");
  const comparison = records.getByRole("article").filter({ hasText: "onerror" }).first();
  await expect(comparison).toBeVisible({ timeout: 30_000 });
  await expect(comparison.getByRole("group", { name: "Request" }).locator("pre")).toHaveText(markup);
  await expect(comparison.getByRole("group", { name: "Production answer" })).toContainText(/AllTraffic\s*HTTP 200/);
  await expect(comparison.getByRole("group", { name: "Shadow answer" })).toContainText(/Shadow\s*HTTP 200\s*[\d.,]+ ms/);
  await expect(comparison.getByText(/^(differs|same answer)$/)).toBeVisible();
  await expect(captured.locator("img")).toHaveCount(0);
  await comparison.scrollIntoViewIfNeeded();
  await captured.screenshot({ path: "test-results/endpoint-shadow-comparison.png" });
  // An older file opens from the list and stays open.
  const fileRows = captured.getByRole("table", { name: "Captured files" }).locator("tbody tr");
  await fileRows.last().getByRole("button").click();
  await expect(fileRows.last()).toHaveAttribute("aria-current", "true");
  await expect(records.getByRole("article").first()).toContainText("Production answer");

  // The file downloads as stored; a key outside the endpoint's files is refused, naming the key.
  const endpointId = page.url().split("/").pop()!;
  const file = await page.request.get((await records.getByRole("link", { name: "Download .jsonl" }).getAttribute("href"))!);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-type"]).toBe("application/x-ndjson");
  expect(file.headers()["content-disposition"]).toMatch(/^attachment; filename="shadow_/);
  expect(JSON.parse((await file.text()).split("\n")[0])).toMatchObject({ production: { variant: "AllTraffic" }, shadow: { variant: "Shadow" } });
  const outside = await page.request.get(`/api/endpoints/${endpointId}/captured/records?key=${encodeURIComponent(`capture/${name}/../../models/x.jsonl`)}`);
  expect(outside.status()).toBe(422);
  expect((await outside.json()).error.message).toContain(`key is not a captured-data file of endpoint ${name}`);

  // ——— 70/30 weights: 2,000 requests split within ±5 percentage points ———
  await page.getByRole("button", { name: "Update variants" }).click();
  await update.getByLabel("Variant 1 weight").fill("70");
  await update.getByRole("button", { name: "Add variant" }).click();
  await expect(update.getByLabel("Variant 3 name")).toHaveValue("Canary");
  await update.getByLabel("Variant 3 runtime").selectOption("onnx");
  await update.getByLabel("Variant 3 weight").fill("30");
  await update.getByRole("button", { name: "Update" }).click();
  await expect(update).toBeHidden();
  await expect(page.getByTestId("ready-Canary")).toHaveText("ONNX, in-process", { timeout: 60_000 });
  await expect(page.getByText("In service")).toBeVisible({ timeout: 30_000 });
  await expect(variants.getByRole("row").filter({ hasText: "Canary" })).toContainText("30%");
  await new Promise((r) => setTimeout(r, 1_500)); // the router's 1 s routing cache
  const counts: Record<string, number> = {};
  for (let batch = 0; batch < 100; batch++) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => app.post(`/endpoints/${name}/invocations`, { data: "5,90,basic", headers: { "Content-Type": "text/csv" } })));
    for (const a of answers) {
      expect(a.status()).toBe(200);
      const v = a.headers()["x-amzn-invoked-production-variant"];
      counts[v] = (counts[v] ?? 0) + 1;
    }
  }
  expect(counts.AllTraffic + counts.Canary).toBe(2_000);
  expect(Math.abs(counts.AllTraffic / 2_000 - 0.7)).toBeLessThan(0.05);

  // ——— The version links to where it went ———
  await page.getByRole("link", { name: "churn-xgb v1" }).first().click();
  await expect(page.getByRole("region", { name: "Lineage" }).getByRole("link", { name: `endpoint ${name}` })).toBeVisible();
  await page.goBack();

  // ——— The KServe manifest downloads as YAML ———
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download InferenceService YAML" }).click()]);
  const { readFileSync } = await import("node:fs");
  const manifest = readFileSync((await download.path())!, "utf8");
  expect(manifest).toContain("apiVersion: serving.kserve.io/v1beta1");
  expect(manifest).toContain("protocolVersion: v2");
  expect(manifest).toContain("storageUri: s3://models/churn-xgb/v1/");

  // ——— Deleting stops it ———
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page).toHaveURL(/\/endpoints$/);
  await expect.poll(async () => (await app.post(`/endpoints/${name}/invocations`, { data: "5,90,basic", headers: { "Content-Type": "text/csv" } })).status(), { timeout: 30_000 }).toBe(404);
  await app.dispose();
});
