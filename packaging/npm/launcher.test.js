// Unit tests of the npm launcher: which platform package a machine gets, and that arguments,
// exit status and failures pass through. Run: node --test packaging/npm/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { PLATFORMS, platformKey, packageName, exeName } = require("./backend-architect/platforms.js");

const LAUNCHER = path.join(__dirname, "backend-architect", "bin", "backend-architect.js");
const glibc = { header: { glibcVersionRuntime: "2.36" } };
const musl = { header: {} };

test("platform keys: glibc and musl Linux, macOS, Windows; unknown machines get none", () => {
  assert.equal(platformKey("linux", "x64", glibc), "linux-x64");
  assert.equal(platformKey("linux", "x64", musl), "linux-x64-musl");
  assert.equal(platformKey("linux", "arm64", glibc), "linux-arm64");
  assert.equal(platformKey("darwin", "arm64"), "darwin-arm64");
  assert.equal(platformKey("win32", "x64"), "win32-x64");
  assert.equal(platformKey("linux", "s390x", glibc), undefined);
  assert.equal(platformKey("freebsd", "x64"), undefined);
  assert.equal(packageName("linux-x64"), "@backend-architect/linux-x64");
  assert.equal(exeName("win32"), "backend-architect.exe");
  for (const [key, p] of Object.entries(PLATFORMS)) {
    assert.ok(key.startsWith(`${p.os}-${p.cpu}`), key);
    assert.equal(p.libc === "musl", key.endsWith("-musl"), key);
  }
});

test("arguments and the exit status pass through to the binary", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ba-launcher-"));
  const fake = path.join(dir, "fake.sh");
  fs.writeFileSync(fake, '#!/bin/sh\necho "args: $*"\nexit 3\n', { mode: 0o755 });
  const r = spawnSync(process.execPath, [LAUNCHER, "check", "a b.py"], {
    env: { ...process.env, BACKEND_ARCHITECT_BINARY: fake },
    encoding: "utf8",
  });
  assert.equal(r.status, 3);
  assert.equal(r.stdout, "args: check a b.py\n");
  fs.rmSync(dir, { recursive: true });
});

test("a missing binary or platform package is a clear error, exit 2", () => {
  const r = spawnSync(process.execPath, [LAUNCHER, "--version"], {
    env: { ...process.env, BACKEND_ARCHITECT_BINARY: "/nonexistent/backend-architect" },
    encoding: "utf8",
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^backend-architect: cannot run \/nonexistent\/backend-architect/);
  // Outside an install, the platform package cannot be resolved.
  const env = { ...process.env };
  delete env.BACKEND_ARCHITECT_BINARY;
  const q = spawnSync(process.execPath, [LAUNCHER, "--version"], { env, encoding: "utf8", cwd: os.tmpdir() });
  assert.equal(q.status, 2);
  assert.match(q.stderr, /the package @backend-architect\/\S+ with the binary for this machine is not installed/);
});
