// The notebook editor in Chromium against the studio's real local kernel gateway: cells typed into
// Monaco and run with Jupyter's keys, outputs of every kind, stdin, interrupt, restart, and the
// promise that a cell's output survives the tab being closed while it runs.
import { expect, test, type Page, type WebSocketRoute } from "@playwright/test";
import { apiAs, people, signInPage } from "../fixtures/studio";
import { cell, outputs, runCell, typeInto } from "../fixtures/notebook-editor";

test.describe.configure({ timeout: 120_000 });

async function newNotebook(name: string): Promise<{ id: string; projectId: string }> {
  const ds = await apiAs(people.dataScientist);
  const project = await (await ds.post("/api/projects", { data: { name: `${name} ${Date.now()}` } })).json();
  const notebook = await (await ds.post(`/api/projects/${project.id}/notebooks`, { data: { name } })).json();
  await ds.dispose();
  return { id: notebook.id, projectId: project.id };
}

async function openEditor(page: Page, id: string) {
  await signInPage(page, people.dataScientist);
  await page.goto(`/notebooks/${id}`);
  await expect(page.getByRole("region", { name: /^Notebook / })).toBeVisible();
}

test("run 1+1, a print loop, a matplotlib PNG and a traceback; Jupyter's keys add and remove cells", async ({ page }) => {
  const { id } = await newNotebook("Editor basics");
  await openEditor(page, id);
  const status = page.getByTestId("kernel-status");
  await expect(status).toHaveAttribute("data-status", "none");

  await runCell(page, 0, "1+1");
  await expect(outputs(page, 0)).toHaveText("2");
  await expect(cell(page, 0)).toContainText("[1]:");
  await expect(status).toHaveAttribute("data-status", "idle");
  await expect(cell(page, 0).getByTestId("cell-timing")).toContainText(/Ran .* took/);

  // Shift+Enter on the last cell added a new one, in edit mode.
  await expect(cell(page, 1)).toBeVisible();
  await runCell(page, 1, "for i in range(5):\n    print('line', i)");
  await expect(outputs(page, 1)).toHaveText("line 0\nline 1\nline 2\nline 3\nline 4");

  await runCell(page, 2, "import matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()");
  const image = outputs(page, 2).getByRole("img", { name: "Image output" });
  await expect(image).toBeVisible();
  expect(await image.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);

  await runCell(page, 3, "def f():\n    return 1 / 0\nf()");
  await expect(outputs(page, 3)).toContainText("ZeroDivisionError");
  await expect(outputs(page, 3)).toContainText("division by zero");

  // Command mode: Esc, then A inserts above, D D deletes, Z brings it back, M makes Markdown.
  await page.keyboard.press("Escape");
  const count = await page.locator("[data-cell-index]").count();
  await page.keyboard.press("a");
  await expect(page.locator("[data-cell-index]")).toHaveCount(count + 1);
  await page.keyboard.press("Escape");
  await page.keyboard.press("d");
  await page.keyboard.press("d");
  await expect(page.locator("[data-cell-index]")).toHaveCount(count);
  await page.keyboard.press("z");
  await expect(page.locator("[data-cell-index]")).toHaveCount(count + 1);
  await page.keyboard.press("m");
  await expect(page.locator("[data-cell-type=markdown]")).toHaveCount(1);
  await page.keyboard.press("Enter");
  // Enter opens the cell's editor; keys sent before it has focus would land nowhere.
  await expect(page.locator("[data-cell-type=markdown] .monaco-editor.focused")).toBeVisible();
  await page.keyboard.insertText("## Results\nThe mean is $\\mu$.");
  await page.keyboard.press("Shift+Enter");
  const rendered = page.getByTestId("markdown-rendered");
  await expect(rendered.getByRole("heading", { name: "Results" })).toBeVisible();
  await expect(rendered.locator(".katex")).toBeVisible();

  // Everything above was saved by the server: a reload shows it.
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  await page.reload();
  await expect(outputs(page, 0)).toHaveText("2");
  await expect(page.getByTestId("markdown-rendered").getByRole("heading", { name: "Results" })).toBeVisible();
  await page.screenshot({ path: "test-results/notebook-editor.png", fullPage: true });
});

test("interrupt a sleeping cell, restart the kernel, and answer input()", async ({ page }) => {
  const { id } = await newNotebook("Editor kernel");
  await openEditor(page, id);
  await runCell(page, 0, "import time\nprint('sleeping', flush=True)\ntime.sleep(60)");
  await expect(outputs(page, 0)).toContainText("sleeping");
  await expect(cell(page, 0)).toContainText("[*]:");
  await page.getByRole("button", { name: "■ Interrupt" }).click();
  await expect(outputs(page, 0)).toContainText("KeyboardInterrupt");

  await runCell(page, 1, "secret = 42\nsecret");
  await expect(outputs(page, 1)).toHaveText("42");
  await page.getByRole("button", { name: "↻ Restart" }).click();
  await expect(page.getByTestId("kernel-status")).toHaveAttribute("data-status", "idle");
  await runCell(page, 2, "secret");
  await expect(outputs(page, 2)).toContainText("NameError");

  await runCell(page, 3, "name = input('Your name? ')\nprint('hello', name)");
  const box = page.getByRole("textbox", { name: "Input for the running cell" });
  await expect(box).toBeVisible();
  await box.fill("Ada");
  await box.press("Enter");
  await expect(outputs(page, 3)).toHaveText("Your name? Ada\nhello Ada");
});

test("close the page while a cell prints for 5 s, reopen: every line is there; two tabs see the same output", async ({ page, browser }) => {
  const { id } = await newNotebook("Editor survives");
  await openEditor(page, id);
  await runCell(page, 0, "import time\nfor i in range(25):\n    print('tick', i, flush=True)\n    time.sleep(0.2)");
  await expect(outputs(page, 0)).toContainText("tick 1");
  await page.close();

  const context = await browser.newContext();
  const again = await context.newPage();
  await openEditor(again, id);
  const second = await context.newPage();
  await second.goto(`/notebooks/${id}`);
  const expected = Array.from({ length: 25 }, (_, i) => `tick ${i}`).join("\n");
  // The cell is still running when the page comes back; the rest streams in live, to both tabs.
  await expect(outputs(again, 0)).toHaveText(expected, { timeout: 20_000 });
  await expect(outputs(second, 0)).toHaveText(expected);
  await context.close();
});

test("HTML output with <script> and <img onerror> runs nothing in the studio", async ({ page }) => {
  const { id } = await newNotebook("Editor untrusted");
  await openEditor(page, id);
  await runCell(
    page,
    0,
    "from IPython.display import HTML, SVG\nHTML(\"<b>bold</b><script>window.parent.__pwned = 'script'</script><img src=x onerror=\\\"window.parent.__pwned='img'\\\">\")",
  );
  const frame = outputs(page, 0).locator("iframe");
  await expect(frame).toBeVisible();
  await expect(page.frameLocator("iframe[title='HTML output']").locator("b")).toHaveText("bold");
  // The broken image has failed to load, so its onerror would have fired by now.
  await expect.poll(() => page.frameLocator("iframe[title='HTML output']").locator("img").evaluate((img: HTMLImageElement) => img.complete)).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
});

test("a dropped connection reconnects by itself, catches up on output, and keeps edits made meanwhile", async ({ page }) => {
  const { id } = await newNotebook("Editor reconnect");
  const routes: WebSocketRoute[] = [];
  let holdNext = false;
  const held: (() => void)[] = [];
  // Every notebook socket goes through here, so the test can cut it like a network drop would.
  await page.routeWebSocket(/\/api\/notebooks\/.*\/socket$/, (ws) => {
    routes.push(ws);
    if (holdNext) held.push(() => ws.connectToServer());
    else ws.connectToServer();
  });
  await openEditor(page, id);
  await runCell(page, 0, "import time\nfor i in range(30):\n    print('tick', i, flush=True)\n    time.sleep(0.1)");
  await expect(outputs(page, 0)).toContainText("tick 2");

  // The connection drops and the studio stays away for a moment.
  holdNext = true;
  await routes.at(-1)!.close({ code: 4000, reason: "network drop" });
  await expect(page.getByRole("alert").filter({ hasText: "Connection to the studio lost" })).toBeVisible();
  // The tab's own retry is held back: the studio stays away while the person types.
  await expect.poll(() => held.length).toBeGreaterThan(0);
  // Typing while away is kept and sent once the socket is back.
  await typeInto(page, 1, "edited_while_offline = True");
  holdNext = false;
  for (const connect of held.splice(0)) connect();
  await expect(page.getByRole("alert").filter({ hasText: "Connection to the studio lost" })).toHaveCount(0, { timeout: 15_000 });
  const expected = Array.from({ length: 30 }, (_, i) => `tick ${i}`).join("\n");
  await expect(outputs(page, 0)).toHaveText(expected, { timeout: 20_000 });
  await expect(page.getByTestId("save-state")).toContainText("Saved");
  // Saved by the server (not just kept by the tab) before the page goes away.
  await expect
    .poll(async () => JSON.stringify((await (await page.request.get(`/api/notebooks/${id}`)).json()).content))
    .toContain("edited_while_offline = True");
  await page.reload();
  await expect(cell(page, 1)).toContainText("edited_while_offline = True");
  await expect(outputs(page, 0)).toHaveText(expected);
});

test("Tab completes from the kernel, Shift+Tab shows help, and the kernel menu offers the hosts' kernel specs", async ({ page }) => {
  const { id } = await newNotebook("Editor completion");
  await openEditor(page, id);
  await runCell(page, 0, "import os");
  await expect(page.getByTestId("kernel-status")).toHaveAttribute("data-status", "idle");
  await expect(cell(page, 0)).toContainText("[1]:");

  await typeInto(page, 1, "os.getcw");
  await page.keyboard.press("End");
  await page.keyboard.press("Tab");
  const suggestions = page.locator(".suggest-widget");
  await expect(suggestions).toBeVisible();
  await expect(suggestions).toContainText("getcwd");
  await page.keyboard.press("Enter");
  await expect(cell(page, 1).locator(".view-lines")).toContainText("os.getcwd");

  await page.keyboard.press("Shift+Tab");
  const help = cell(page, 1).getByRole("tooltip", { name: "Help from the kernel" });
  await expect(help).toContainText("current working directory");
  await help.getByRole("button", { name: "Close help" }).click();
  await expect(help).toHaveCount(0);

  const picker = page.getByRole("combobox", { name: "Compute host and kernel" });
  await expect(picker).toHaveValue(/\|python3$/);
  await expect(picker.locator("option:checked")).toHaveText(/^local · Python 3/);
  await page.screenshot({ path: "test-results/notebook-completion.png" });
});

test("a kernel that dies says so in a banner that stays until the next run; a viewer watches read-only", async ({ page, browser }) => {
  const { id, projectId } = await newNotebook("Editor banners");
  await openEditor(page, id);
  await page.getByRole("button", { name: "Start kernel" }).click();
  await expect(page.getByTestId("kernel-status")).toHaveAttribute("data-status", "idle");
  await runCell(page, 0, "import os\nos._exit(1)");
  const banner = page.getByTestId("kernel-banner");
  await expect(banner).toContainText("The kernel died");
  await expect(page.getByTestId("kernel-status")).toHaveAttribute("data-status", "idle", { timeout: 30_000 });
  await expect(banner).toContainText("The kernel died");
  await page.screenshot({ path: "test-results/notebook-kernel-died.png" });
  await runCell(page, 1, "'back'");
  await expect(outputs(page, 1)).toHaveText("'back'");
  await expect(banner).toHaveCount(0);

  // A viewer member sees the same notebook live, with no way to change or run it.
  const ds = await apiAs(people.dataScientist);
  const directory = await (await ds.get("/api/users/directory")).json();
  const viewerId = directory.find((u: { email: string }) => u.email === people.viewer.email).id;
  expect((await ds.post(`/api/projects/${projectId}/members`, { data: { userId: viewerId, role: "viewer" } })).status()).toBe(200);
  await ds.dispose();
  const viewer = await (await browser.newContext()).newPage();
  await signInPage(viewer, people.viewer);
  await viewer.goto(`/notebooks/${id}`);
  await expect(outputs(viewer, 1)).toHaveText("'back'");
  await expect(viewer.getByRole("toolbar", { name: "Notebook actions" })).toHaveCount(0);
  await viewer.locator('[data-cell-index="1"]').getByTestId("cell-source").click();
  await expect(viewer.getByTestId("cell-editor")).toHaveCount(0);
  await runCell(page, 2, "print('seen by the viewer')");
  await expect(outputs(viewer, 2)).toHaveText("seen by the viewer");
  await viewer.screenshot({ path: "test-results/notebook-viewer.png" });
  await viewer.context().close();
});
