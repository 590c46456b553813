// The HTML report in a real browser (Debian's Chromium driven by playwright-core): it renders
// with no console error and no network request, shows the same number of findings as the JSON
// report, its filters show exactly the findings they select, sorting works, the map is drawn as
// a graph with a node for everything the map of the same files has, and it prints.
//
//   node tests/report/browser.cjs REPORT.html REPORT.json MAP.json
//
// (MAP.json: `backend-architect map --format json --expand` of the same files.)
//
// playwright-core comes from the VS Code end-to-end test's node_modules (PLAYWRIGHT_CORE names
// another copy); Chromium is /usr/bin/chromium (or $CHROMIUM).
"use strict";
const path = require("path");
const fs = require("fs");
const assert = require("assert");

const [reportPath, jsonPath, mapPath] = process.argv.slice(2);
if (!reportPath || !jsonPath || !mapPath) {
  console.error("usage: browser.cjs REPORT.html REPORT.json MAP.json");
  process.exit(2);
}
const core =
  process.env.PLAYWRIGHT_CORE ||
  path.join(__dirname, "../../editors/vscode/e2e/node_modules/playwright-core");
const { chromium } = require(core);
const findings = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
const map = JSON.parse(fs.readFileSync(mapPath, "utf8"));
// The nodes the page's graph must have: everything of the map (drawn one by one below the
// collapsing size, which the demo backend is under).
const expectedNodes = [];
for (const app of map.apps) {
  expectedNodes.push(app.id);
  for (const g of app.groups) {
    expectedNodes.push(g.id, ...g.routes.map((r) => r.id));
  }
}
for (const g of map.unmounted) expectedNodes.push(g.id, ...g.routes.map((r) => r.id));
for (const s of map.graphql) expectedNodes.push(s.id, ...s.resolvers.map((r) => r.id));
for (const e of map.sockets) expectedNodes.push(e.id, ...e.handlers.map((h) => h.id));
for (const n of map.models.concat(map.clients)) expectedNodes.push(n.id);
const url = "file://" + path.resolve(reportPath);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      if (r.url() !== url) problems.push(`request: ${r.url()}`);
    });
    await page.goto(url, { waitUntil: "load" });

    const total = Number(await page.getAttribute("#finding-total", "data-total"));
    assert.strictEqual(total, findings.length, "finding count differs from the JSON report's");
    const rows = () => page.locator("tbody.finding:visible").count();
    assert.strictEqual(await rows(), findings.length);
    assert.strictEqual(await page.textContent("#shown"), `${total} of ${total} shown`);

    // Each rule filter shows that rule's findings only.
    const byRule = {};
    for (const f of findings) byRule[f.code] = (byRule[f.code] || 0) + 1;
    for (const [code, n] of Object.entries(byRule)) {
      await page.selectOption("#f-rule", code);
      assert.strictEqual(await rows(), n, `filter ${code}`);
      assert.strictEqual(await page.textContent("#shown"), `${n} of ${total} shown`);
    }
    await page.selectOption("#f-rule", "");
    const bySeverity = {};
    for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] || 0) + 1;
    for (const [sev, n] of Object.entries(bySeverity)) {
      await page.selectOption("#f-severity", sev);
      assert.strictEqual(await rows(), n, `filter ${sev}`);
    }
    await page.selectOption("#f-severity", "");
    // Text search: a file name.
    if (findings.length) {
      const file = findings[0].path;
      await page.fill("#f-text", file);
      const n = await rows();
      assert.ok(n >= findings.filter((f) => f.path === file).length, `search ${file}`);
      await page.fill("#f-text", "");
      assert.strictEqual(await rows(), findings.length);
      // Sorting by location: rows in path order.
      await page.click("th[data-sort=file]");
      const files = await page.$$eval("tbody.finding", (els) => els.map((e) => e.dataset.file));
      const sorted = [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepStrictEqual(files, sorted, "sorted by file");
      await page.click("th[data-sort=file]");
      const reversed = await page.$$eval("tbody.finding", (els) => els.map((e) => e.dataset.file));
      assert.deepStrictEqual(reversed, [...sorted].reverse(), "sorted by file, descending");
    }
    // The map is there, with the routes the summary counts.
    const routes = await page.locator("#map table.routes tbody tr").count();
    const summary = Number((await page.textContent("#route-count")).trim());
    assert.strictEqual(routes, summary, "routes in the map");
    assert.strictEqual(summary, map.summary.routes, "routes in the map's JSON");
    // ... drawn as a graph: a visible SVG with a node for each of the map's, coloured by the
    // worst finding, and an edge for each containment and use.
    const graph = page.locator("#map-graph svg.map-graph");
    assert.strictEqual(await graph.count(), 1, "the map's SVG");
    const box = await graph.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, `the graph is visible: ${JSON.stringify(box)}`);
    const drawn = await page.$$eval("#map-graph g.node", (els) => els.map((e) => e.dataset.id));
    assert.deepStrictEqual([...drawn].sort(), [...expectedNodes].sort(), "graph nodes");
    const routeNodes = map.apps.flatMap((a) => a.groups).concat(map.unmounted).flatMap((g) => g.routes);
    for (const r of routeNodes) {
      const worst = ["error", "warning", "info", "hint"].find((k) => r.findings[k] > 0) || "clean";
      const cls = await page.getAttribute(`#map-graph g.node[data-id="${r.id}"]`, "class");
      assert.ok(cls.includes(`sev-${worst}`), `${r.id} coloured ${worst}: ${cls}`);
      assert.strictEqual(cls.includes("noauth"), r.auth === "none", `${r.id} auth`);
      const shown = await page.textContent(`#map-graph g.node[data-id="${r.id}"] text`);
      assert.ok(shown.includes(r.path), `${r.id} label ${shown}`);
    }
    const edges = await page.locator("#map-graph path.edge").count();
    // At least one containment edge into each route.
    assert.ok(edges >= routeNodes.length, `edges: ${edges}`);
    // A node with findings shows its file's findings.
    const flagged = routeNodes.find((r) => r.findings.error + r.findings.warning + r.findings.info + r.findings.hint > 0);
    if (flagged) {
      await page.click(`#map-graph g.node[data-id="${flagged.id}"]`);
      assert.strictEqual(await page.inputValue("#f-text"), flagged.file, "search set to the node's file");
      const inFile = findings.filter((f) => f.path.includes(flagged.file)).length;
      assert.ok(inFile > 0, `${flagged.file} has findings in the JSON report`);
      assert.strictEqual(await rows(), inFile, `findings of ${flagged.file}`);
      await page.fill("#f-text", "");
      assert.strictEqual(await rows(), findings.length);
    }
    // Fit to width and actual size.
    await page.click("#map-zoom");
    assert.strictEqual(await page.getAttribute("#map-graph", "class"), "map-figure", "actual size");
    await page.click("#map-zoom");
    assert.ok((await page.getAttribute("#map-graph", "class")).includes("fit"), "fit");
    // It prints.
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4" });
    assert.ok(pdf.length > 1000, "printed");
    assert.deepStrictEqual(problems, [], "console errors or requests");
    console.log(
      `report ok: ${total} findings, ${Object.keys(byRule).length} rules, ${routes} routes, ` +
        `${drawn.length} graph nodes, ${edges} edges`,
    );
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  if (problems.length) console.error(problems.join("\n"));
  process.exit(1);
});
