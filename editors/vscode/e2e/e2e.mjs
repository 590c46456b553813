// Drives the packaged extension inside real VS Code (code-server) with Playwright and the system
// Chromium, as a user would: keyboard, command palette, Problems panel, files on disk.
// Started by run.sh, which installs the .vsix, starts code-server and passes:
//   BA_E2E_URL        the code-server URL (folder already opened)
//   BA_E2E_WORKSPACE  that folder on disk (a copy of ./workspace)
//   BA_E2E_LOGS       code-server's user-data-dir/logs (output channels are files there)
//   BA_E2E_ARTIFACTS  where screenshots go on failure
//   CHROMIUM          the browser (default /usr/bin/chromium)
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set (run.sh sets it)`);
  return value;
};
const URL = env("BA_E2E_URL");
const WS = env("BA_E2E_WORKSPACE");
const LOGS = env("BA_E2E_LOGS");
const ARTIFACTS = env("BA_E2E_ARTIFACTS");
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
const isMac = process.platform === "darwin";
const mod = isMac ? "Meta" : "Control";

const started = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}`);

/** A probe's answer for "not yet", with what it saw (shown if the wait times out). */
const notYet = (seen) => ({ notYet: seen });

/** Polls `probe` until it returns a truthy value other than `notYet(…)`; fails with `what` and the
 * last value seen. */
async function waitFor(what, probe, timeoutMs = 30_000, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value && !(typeof value === "object" && "notYet" in value)) return value;
      last = value?.notYet ?? value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last, null, 2);
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const read = (file) => fs.readFileSync(path.join(WS, file), "utf8");

let page;
const steps = [];

async function step(name, body) {
  const t = Date.now();
  log(`${name} ...`);
  const detail = await body();
  steps.push(name);
  log(`${name}: ok (${((Date.now() - t) / 1000).toFixed(1)}s)${detail ? `: ${detail}` : ""}`);
}

/** The Problems panel as `{ file, code, line, text }` rows (the panel is opened if needed). */
async function problems() {
  const rows = await page.locator(".markers-panel .monaco-list-row").evaluateAll((els) =>
    els.map((e) => ({ label: e.getAttribute("aria-label") ?? "", text: e.textContent ?? "" })),
  );
  const out = [];
  let file = "";
  for (const { label, text } of rows) {
    const header = /problems? in file (.+?) of folder/.exec(label);
    if (header) {
      file = header[1];
      continue;
    }
    // The source and code render as "backend-architect(SEC101)"; the parentheses are CSS.
    const code = /backend-architect\s*\(?([A-Z]+[0-9]+)\)?\s*\[Ln/.exec(text);
    const line = /at line (\d+) and character/.exec(label);
    if (code) out.push({ file, code: code[1], line: line ? Number(line[1]) : 0, text: label });
  }
  return out;
}

const codesIn = (list, file) =>
  list
    .filter((p) => p.file === file)
    .map((p) => p.code)
    .sort();

async function showProblems() {
  if (!(await page.locator(".markers-panel").isVisible())) {
    await page.keyboard.press(`${mod}+Shift+M`);
  }
  await page.locator(".markers-panel").waitFor({ state: "visible", timeout: 10_000 });
}

async function runCommand(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: title }).waitFor({ timeout: 10_000 });
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 10_000 });
}

async function openFile(name) {
  await page.keyboard.press(`${mod}+P`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(name);
  // Wait until the list has been filtered: the focused (first) row is the file, not a recent one.
  await page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: name }).waitFor({ timeout: 10_000 });
  await page.keyboard.press("Enter");
  await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).waitFor({ timeout: 10_000 });
  await focusEditor();
}

/** Puts the keyboard focus in the editor (View: Focus First Editor Group), and checks it is there. */
async function focusEditor() {
  await waitFor("the keyboard focus in the editor", async () => {
    if (await page.locator(".editor-group-container.active .monaco-editor.focused").count()) return true;
    await page.keyboard.press(`${mod}+1`);
    return notYet(await page.evaluate(() => document.activeElement?.className ?? "nothing focused"));
  }, 10_000, 300);
}

async function goTo(line, column) {
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press("Enter");
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: 10_000 });
}

/** The visible text of the active editor, one string per rendered line, top to bottom. */
async function editorLines() {
  return page
    .locator(".editor-group-container.active .monaco-editor .view-lines .view-line")
    .evaluateAll((els) =>
      els
        .map((e) => ({ top: parseFloat(e.style.top || "0"), text: e.innerText.replace(/\u00a0/g, " ") }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
}

/** Output channels are files under the logs directory: the newest one whose name matches. */
function outputChannelFile(pattern) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (pattern.test(entry.name)) found.push(full);
    }
  };
  if (fs.existsSync(LOGS)) walk(LOGS);
  found.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return found[0];
}

async function main() {
  const context = await chromium.launchPersistentContext(path.join(ARTIFACTS, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    // Tall enough for every Problems row at once (the list renders only the rows in view).
    viewport: { width: 1400, height: 1100 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(15_000);
  page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  try {
    await step("workbench loads", async () => {
      await page.goto(URL, { timeout: 60_000 });
      await page.locator(".monaco-workbench .part.editor").waitFor({ state: "visible", timeout: 60_000 });
      // The Explorer lists the workspace once the remote file system is up.
      await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "app.py" }).waitFor({ timeout: 60_000 });
    });

    await step("diagnostics appear in the Problems panel", async () => {
      await openFile("app.py");
      await showProblems();
      // SEC101 SQL injection, SEC201 yaml.load, PERF203 unbounded list, ARC103 no health check.
      await waitFor(
        "SEC101, SEC201, PERF203 and ARC103 on app.py",
        async () => {
          const codes = codesIn(await problems(), "app.py");
          return ["ARC103", "PERF203", "SEC101", "SEC201"].every((c) => codes.includes(c)) ? codes : notYet(codes);
        },
        90_000,
      );
      const sec201 = (await problems()).find((p) => p.file === "app.py" && p.code === "SEC201");
      if (sec201.line !== 18) throw new Error(`SEC201 expected on line 18, got ${JSON.stringify(sec201)}`);
    });

    await step("a quick fix applies (SEC201: yaml.load -> yaml.safe_load)", async () => {
      const fix = page.locator(".action-widget .monaco-list-row", { hasText: "safe_load" }).first();
      // The quick-fix menu sometimes does not open on the first keystroke (seen once in CI with
      // the code actions answered in 10 ms): ask again, up to three times, before failing.
      for (let attempt = 1; ; attempt++) {
        await goTo(18, 17);
        await page.keyboard.press(`${mod}+.`);
        try {
          await fix.waitFor({ state: "visible", timeout: 10_000 });
          break;
        } catch (err) {
          if (attempt === 3) throw err;
          await page.keyboard.press("Escape");
        }
      }
      await fix.click();
      await waitFor("yaml.safe_load in the editor", async () =>
        (await editorLines()).some((l) => l.includes("return yaml.safe_load(stream)")),
      );
      await waitFor("SEC201 gone from app.py, SEC101 still there", async () => {
        const codes = codesIn(await problems(), "app.py");
        return !codes.includes("SEC201") && codes.includes("SEC101") ? codes : notYet(codes);
      });
      if (!read("app.py").includes("yaml.load(stream)")) throw new Error("the quick fix should not save app.py");
    });

    await step("fix-all on save (editor.codeActionsOnSave) rewrites jobs.py on disk", async () => {
      const before = read("jobs.py");
      await openFile("jobs.py");
      await waitFor("SEC102 and SEC201 on jobs.py", async () => {
        const codes = codesIn(await problems(), "jobs.py");
        return codes.includes("SEC102") && codes.includes("SEC201") ? codes : notYet(codes);
      }, 30_000);
      await focusEditor();
      await page.keyboard.press(`${mod}+Home`);
      await page.keyboard.type("# edited in VS Code\n");
      await waitFor("the typed line in the editor", async () => (await editorLines())[0] === "# edited in VS Code");
      await page.keyboard.press(`${mod}+S`);
      const expected =
        "# edited in VS Code\n" +
        before.replace("yaml.load(stream)", "yaml.safe_load(stream)").replace(', shell=True)', ")");
      await waitFor("jobs.py saved with both safe fixes", async () => read("jobs.py") === expected || notYet(read("jobs.py")), 20_000);
      await waitFor("no findings left on jobs.py", async () => codesIn(await problems(), "jobs.py").length === 0);
    });

    await step("a generator command runs (Generate: Health Check on service.py's app)", async () => {
      await openFile("service.py");
      await waitFor("ARC103 on service.py", async () => codesIn(await problems(), "service.py").includes("ARC103"));
      await goTo(3, 1);
      await runCommand("backend-architect: Generate: Health Check Endpoint");
      await waitFor("the /healthz route in the editor", async () => (await editorLines()).some((l) => l.includes("/healthz")));
      await waitFor("ARC103 gone from service.py", async () => !codesIn(await problems(), "service.py").includes("ARC103"));
      await focusEditor();
      await page.keyboard.press(`${mod}+S`);
      await waitFor("service.py saved with the health route", async () => /def healthz\(/.test(read("service.py")), 20_000);
    });

    await step("a live settings change (backendArchitect.ignore) changes the diagnostics", async () => {
      await openFile("app.py");
      const file = path.join(WS, ".vscode", "settings.json");
      const settings = JSON.parse(fs.readFileSync(file, "utf8"));
      settings["backendArchitect.ignore"] = ["SEC101"];
      fs.writeFileSync(file, JSON.stringify(settings, null, 2) + "\n");
      await waitFor("SEC101 gone from app.py, PERF203 still there", async () => {
        const codes = codesIn(await problems(), "app.py");
        return !codes.includes("SEC101") && codes.includes("PERF203") ? codes : notYet(codes);
      }, 30_000);
    });

    await step("backendArchitect.trace.server: verbose writes the LSP trace", async () => {
      const file = await waitFor(
        "a trace output channel with the initialize request and its params",
        async () => {
          const file = outputChannelFile(/backend-architect.*trace/i);
          if (!file) return notYet("no trace channel file yet");
          const text = fs.readFileSync(file, "utf8");
          // Verbose: the initialize request with its params, and the live settings change above.
          const ok =
            /Sending request 'initialize/.test(text) &&
            /"processId"/.test(text) &&
            /Sending notification 'workspace\/didChangeConfiguration'/.test(text);
          return ok ? file : notYet(`${file}: ${text.slice(0, 400)}`);
        },
        15_000,
      );
      // Live: "off" stops the trace, "verbose" starts it again, without a restart.
      const settingsFile = path.join(WS, ".vscode", "settings.json");
      const setTrace = (value) => {
        const settings = JSON.parse(fs.readFileSync(settingsFile, "utf8"));
        settings["backendArchitect.trace.server"] = value;
        fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + "\n");
      };
      const size = () => fs.statSync(file).size;
      const typeInApp = async (text) => {
        await focusEditor();
        await page.keyboard.press(`${mod}+End`);
        await page.keyboard.type(text);
      };
      setTrace("off");
      await waitFor("the trace to stop after trace.server: off", async () => {
        const before = size();
        await new Promise((r) => setTimeout(r, 1500));
        return size() === before || notYet(`still growing: ${before} -> ${size()} bytes`);
      }, 15_000, 0);
      const quiet = size();
      await typeInApp("# no trace\n");
      await new Promise((r) => setTimeout(r, 2000));
      if (size() !== quiet) {
        throw new Error(`trace.server is off, yet the trace grew by ${size() - quiet} bytes after an edit`);
      }
      setTrace("verbose");
      await new Promise((r) => setTimeout(r, 1000));
      await typeInApp("# traced again\n");
      await waitFor("the edit traced again after trace.server: verbose", async () => {
        const text = fs.readFileSync(file, "utf8").slice(quiet);
        return /Sending notification 'textDocument\/didChange'/.test(text) || notYet(text.slice(0, 300));
      }, 15_000);
      return path.relative(LOGS, file);
    });

    await step("backendArchitect.fixOnSave (the extension's own save hook) rewrites worker.py on disk", async () => {
      // VS Code's codeActionsOnSave off, the extension's setting on: only the extension fixes.
      const file = path.join(WS, ".vscode", "settings.json");
      const settings = JSON.parse(fs.readFileSync(file, "utf8"));
      settings["editor.codeActionsOnSave"] = {};
      settings["backendArchitect.fixOnSave"] = true;
      fs.writeFileSync(file, JSON.stringify(settings, null, 2) + "\n");
      const before = read("worker.py");
      await openFile("worker.py");
      await waitFor("SEC201 on worker.py", async () => codesIn(await problems(), "worker.py").includes("SEC201"));
      await page.keyboard.press(`${mod}+Home`);
      await page.keyboard.type("# saved with fixOnSave\n");
      await waitFor("the typed line in the editor", async () => (await editorLines())[0] === "# saved with fixOnSave");
      await page.keyboard.press(`${mod}+S`);
      const expected = "# saved with fixOnSave\n" + before.replace("yaml.load(stream)", "yaml.safe_load(stream)");
      await waitFor("worker.py saved with the safe fix", async () => read("worker.py") === expected || notYet(read("worker.py")), 20_000);
    });

    log("PASS");
    console.log(`e2e: ${steps.length} passed, 0 failed`);
  } catch (err) {
    console.error(`[e2e] FAILED: ${err instanceof Error ? err.stack : err}`);
    console.error(`e2e: ${steps.length} passed, 1 failed`);
    try {
      const shot = path.join(ARTIFACTS, "failure.png");
      await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
      console.error(`[e2e] screenshot: ${shot}`);
      const notifications = await page.locator(".notification-toast").allInnerTexts();
      if (notifications.length) console.error(`[e2e] notifications:\n${notifications.join("\n---\n")}`);
      const rows = await page.locator(".markers-panel .monaco-list-row").evaluateAll((els) =>
        els.map((e) => e.getAttribute("aria-label")),
      );
      console.error(`[e2e] Problems panel rows:\n${rows.join("\n")}`);
    } catch (shotErr) {
      console.error(`[e2e] (could not capture the page: ${shotErr})`);
    }
    if (consoleErrors.length) console.error(`[e2e] browser console errors:\n${consoleErrors.slice(-20).join("\n")}`);
    process.exitCode = 1;
  } finally {
    await context.close().catch(() => {});
  }
}

await main();
