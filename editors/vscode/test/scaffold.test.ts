import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

import { describeResult, executeParams, EXTENSION_PREFIX, GENERATORS } from "../src/scaffold";

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));

test("every generator is a palette command with the same title", () => {
  const contributed = new Map<string, string>(
    manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]),
  );
  for (const g of GENERATORS) {
    assert.equal(contributed.get(EXTENSION_PREFIX + g.name), g.title, g.name);
  }
  const scaffoldCommands = [...contributed.keys()].filter((c) => c.startsWith(EXTENSION_PREFIX));
  assert.equal(scaffoldCommands.length, GENERATORS.length);
});

test("the generators are the server's", () => {
  // The server's registry, as its docs list them.
  const docs = fs.readFileSync(path.join(__dirname, "..", "..", "..", "docs", "scaffolding.md"), "utf8");
  for (const g of GENERATORS) assert.ok(docs.includes("`" + g.name + "`"), g.name);
});

test("cursor generators send the document and position", () => {
  const g = GENERATORS.find((x) => x.name === "healthCheck")!;
  assert.deepEqual(executeParams(g, { uri: "file:///p/app.py", line: 3, character: 1 }, "file:///p"), {
    command: "backend-architect.scaffold.healthCheck",
    arguments: [{ uri: "file:///p/app.py", position: { line: 3, character: 1 } }],
  });
  const missing = executeParams(g, undefined, "file:///p");
  assert.ok("error" in missing && missing.error.includes("cursor"));
});

test("project generators send the folder, else the active file", () => {
  const g = GENERATORS.find((x) => x.name === "dockerfile")!;
  assert.deepEqual(executeParams(g, undefined, "file:///p"), {
    command: "backend-architect.scaffold.dockerfile",
    arguments: [{ uri: "file:///p" }],
  });
  assert.deepEqual(executeParams(g, { uri: "file:///q/a.py", line: 0, character: 0 }, undefined), {
    command: "backend-architect.scaffold.dockerfile",
    arguments: [{ uri: "file:///q/a.py" }],
  });
  assert.ok("error" in executeParams(g, undefined, undefined));
});

test("results: applied, previewed, refused", () => {
  assert.equal(
    describeResult({ applied: true, files: ["/p/Dockerfile"], edited: [] }).message,
    "backend-architect: created /p/Dockerfile",
  );
  const p = describeResult({ applied: false, preview: "=== new file Dockerfile ===" });
  assert.equal(p.preview, "=== new file Dockerfile ===");
  assert.match(describeResult({ applied: false }).message, /did not apply/);
  assert.match(describeResult(null).message, /did not apply/);
});
