import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

import {
  bundledPath,
  mapParams,
  Environment,
  languageIds,
  resolveServer,
  serverSettings,
  statusText,
  summariseCheck,
  traceRequested,
  whichOnPath,
} from "../src/server";

function env(files: string[], onPath?: string): Environment {
  return {
    platform: "linux",
    arch: "x64",
    extensionPath: "/ext",
    exists: (f) => files.includes(f),
    which: () => onPath,
  };
}

test("the setting wins when the file exists", () => {
  const r = resolveServer("/opt/ba", env(["/opt/ba", "/ext/bin/linux-x64/backend-architect"], "/usr/bin/backend-architect"));
  assert.deepEqual(r, { path: "/opt/ba", source: "setting" });
});

test("a setting pointing nowhere is an error that says how to fix it", () => {
  const r = resolveServer("/nope", env([], "/usr/bin/backend-architect"));
  assert.ok("error" in r && r.error.includes("/nope") && r.error.includes("backendArchitect.path"));
});

test("then the bundled binary, then PATH", () => {
  assert.deepEqual(resolveServer("", env(["/ext/bin/linux-x64/backend-architect"], "/usr/bin/x")), {
    path: "/ext/bin/linux-x64/backend-architect",
    source: "bundled",
  });
  assert.deepEqual(resolveServer(undefined, env([], "/usr/local/bin/backend-architect")), {
    path: "/usr/local/bin/backend-architect",
    source: "PATH",
  });
});

test("nothing found: the error names the fix", () => {
  const r = resolveServer("  ", env([]));
  assert.ok("error" in r);
  assert.match(r.error, /pipx install backend-architect/);
  assert.match(r.error, /cargo install --locked --path server\/backend-architect/);
  assert.match(r.error, /linux-x64/);
});

test("bundled path per platform", () => {
  assert.equal(
    bundledPath({ platform: "win32", arch: "x64", extensionPath: "C:\\ext" }),
    path.join("C:\\ext", "bin", "win32-x64", "backend-architect.exe"),
  );
  assert.equal(bundledPath({ platform: "darwin", arch: "arm64", extensionPath: "/e" }), "/e/bin/darwin-arm64/backend-architect");
});

test("which looks through PATH in order", () => {
  const found = whichOnPath("ba", "/a:/b:/c", (f) => f === "/b/ba" || f === "/c/ba", ":");
  assert.equal(found, "/b/ba");
  assert.equal(whichOnPath("ba", undefined, () => true, ":"), undefined);
});

test("settings map to the server's keys and omit unset ones", () => {
  const values: Record<string, unknown> = {
    select: ["SEC", " "],
    extendSelect: null,
    ignore: ["SEC103"],
    severity: { SEC201: "warning", bad: 3 },
    exclude: [],
    audit: true,
  };
  assert.deepEqual(serverSettings((k) => values[k]), {
    select: ["SEC"],
    ignore: ["SEC103"],
    severity: { SEC201: "warning" },
    exclude: [],
    audit: true,
  });
  assert.deepEqual(serverSettings((k) => (k === "audit" ? "yes" : null)), {});
  assert.deepEqual(serverSettings(() => null), {});
});

test("advisor and dependency settings go to the server as tables of set keys", () => {
  const values: Record<string, unknown> = {
    "advisor.enabled": true,
    "advisor.endpoint": " http://127.0.0.1:11434/v1 ",
    "advisor.model": "",
    "advisor.apiKeyEnv": "OPENAI_API_KEY",
    "advisor.timeoutSecs": "60",
    "dependencies.osv": true,
    "dependencies.cacheTtlHours": 12,
  };
  assert.deepEqual(serverSettings((k) => values[k] ?? null), {
    advisor: { enabled: true, endpoint: "http://127.0.0.1:11434/v1", apiKeyEnv: "OPENAI_API_KEY" },
    dependencies: { osv: true, cacheTtlHours: 12 },
  });
});

test("language enablement", () => {
  assert.deepEqual(languageIds(undefined), ["python", "javascript", "javascriptreact", "typescript", "typescriptreact"]);
  assert.deepEqual(languageIds({ javascript: false, typescript: false }), ["python"]);
});

test("status texts", () => {
  assert.match(statusText("running", "/x").tooltip, /running \(\/x\)/);
  assert.match(statusText("error", "server not found").text, /error/);
});

test("check output is grouped by file", () => {
  const json = JSON.stringify([
    { code: "SEC101", message: "m", path: "a.py", start: { line: 1, column: 1 } },
    { code: "SEC102", message: "m", path: "a.py", start: { line: 2, column: 1 } },
    { code: "SEC103", message: "m", path: "b.js", start: { line: 3, column: 1 } },
  ]);
  const { total, byFile } = summariseCheck(json);
  assert.equal(total, 3);
  assert.equal(byFile.get("a.py")?.length, 2);
});

test("trace.server: messages and verbose trace, off and unset do not", () => {
  assert.equal(traceRequested("verbose"), true);
  assert.equal(traceRequested("messages"), true);
  assert.equal(traceRequested({ verbosity: "verbose", format: "json" }), true);
  assert.equal(traceRequested("off"), false);
  assert.equal(traceRequested(undefined), false);
  assert.equal(traceRequested({ verbosity: "off" }), false);
});

test("the map command asks the server for the page, with a focus when given", () => {
  assert.deepEqual(mapParams(), { command: "backend-architect.showMap", arguments: [{ format: "html" }] });
  assert.deepEqual(mapParams("  /users "), {
    command: "backend-architect.showMap",
    arguments: [{ format: "html", focus: "/users" }],
  });
  assert.deepEqual(mapParams("   "), { command: "backend-architect.showMap", arguments: [{ format: "html" }] });
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  assert.ok(
    manifest.contributes.commands.some(
      (c: { command: string; title: string }) =>
        c.command === "backendArchitect.showMap" && c.title === "Show Architecture Map",
    ),
  );
});
