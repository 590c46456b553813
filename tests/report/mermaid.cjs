// Every Mermaid map the tests snapshot (and any .mmd file named) is parsed and rendered by the
// real `mermaid` package from npm, in Chromium (Mermaid lays out in a browser): a parse or
// render error, or no diagram at all, fails.
//
//   node tests/report/mermaid.cjs MERMAID_PACKAGE_DIR [FILE.mmd…]
//
// The snapshots are tests/snapshots/map__*_mermaid.snap. playwright-core comes from the VS Code
// end-to-end test's node_modules (PLAYWRIGHT_CORE names another copy); Chromium is
// /usr/bin/chromium (or $CHROMIUM). .ci/run installs a pinned mermaid.
"use strict";
const path = require("path");
const fs = require("fs");

const [pkg, ...extra] = process.argv.slice(2);
if (!pkg) {
  console.error("usage: mermaid.cjs MERMAID_PACKAGE_DIR [FILE.mmd…]");
  process.exit(2);
}
const bundle = path.join(pkg, "dist", "mermaid.min.js");
if (!fs.existsSync(bundle)) {
  console.error(`mermaid is not installed: ${bundle} is missing`);
  process.exit(1);
}
const version = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")).version;
const core =
  process.env.PLAYWRIGHT_CORE ||
  path.join(__dirname, "../../editors/vscode/e2e/node_modules/playwright-core");
const { chromium } = require(core);

// An insta snapshot: a `---` header, then the text.
function snapshotBody(text) {
  const m = /^---\n[\s\S]*?\n---\n/.exec(text);
  return m ? text.slice(m[0].length) : text;
}

const snapshots = path.join(__dirname, "../snapshots");
const files = fs
  .readdirSync(snapshots)
  .filter((f) => /^map__.*_mermaid\.snap$/.test(f))
  .sort()
  .map((f) => path.join(snapshots, f))
  .concat(extra);
if (files.filter((f) => f.endsWith(".snap")).length < 5) {
  console.error(`expected the map's Mermaid snapshots in ${snapshots}, found ${files.length}`);
  process.exit(1);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
  const failures = [];
  try {
    const page = await browser.newPage();
    const requests = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("about:") && !r.url().startsWith("data:")) requests.push(r.url());
    });
    await page.setContent("<!DOCTYPE html><html><body><div id=out></div></body></html>");
    await page.addScriptTag({ path: bundle });
    await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
    let i = 0;
    for (const file of files) {
      const raw = fs.readFileSync(file, "utf8");
      const text = file.endsWith(".snap") ? snapshotBody(raw) : raw;
      if (!text.startsWith("flowchart ")) {
        failures.push(`${file}: not a Mermaid flowchart`);
        continue;
      }
      const result = await page.evaluate(
        async ([id, text]) => {
          try {
            const parsed = await window.mermaid.parse(text);
            if (!parsed) return { error: "parse returned nothing" };
            const { svg } = await window.mermaid.render(id, text);
            const out = document.getElementById("out");
            out.innerHTML = svg;
            const counts = {
              type: parsed.diagramType,
              nodes: out.querySelectorAll("g.node").length,
              edges: out.querySelectorAll("path.flowchart-link, .edgePaths path").length,
            };
            out.innerHTML = "";
            return counts;
          } catch (e) {
            return { error: String((e && e.message) || e) };
          }
        },
        [`map${i++}`, text],
      );
      // Node lines: `id["…"]`, `id[("…")]`, `id{{"…"}}` (not subgraphs).
      const expected = (text.match(/^\s+[A-Za-z0-9_]+(\[\(|\[|\{\{)"/gm) || []).filter(
        (l) => !/^\s+subgraph /.test(l),
      ).length;
      if (result.error) {
        failures.push(`${path.basename(file)}: ${result.error}`);
      } else if (result.type !== "flowchart-v2" && result.type !== "flowchart") {
        failures.push(`${path.basename(file)}: parsed as ${result.type}`);
      } else if (result.nodes !== expected) {
        failures.push(`${path.basename(file)}: rendered ${result.nodes} nodes, the text has ${expected}`);
      } else {
        console.log(`mermaid ${version}: ${path.basename(file)} ok (${result.nodes} nodes, ${result.edges} edges)`);
      }
    }
    if (requests.length) failures.push(`network requests: ${requests.join(", ")}`);
  } finally {
    await browser.close();
  }
  if (failures.length) {
    console.error(failures.join("\n"));
    process.exit(1);
  }
  console.log(`${files.length} Mermaid maps parsed and rendered by mermaid ${version}`);
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
