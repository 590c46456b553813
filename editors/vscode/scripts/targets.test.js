const assert = require("node:assert/strict");
const { test } = require("node:test");
const { binaryPath, cargoOutput, hostTarget, TARGETS } = require("./targets");

test("the bundled binary sits where the extension looks for it on each platform", () => {
  assert.equal(binaryPath("linux-x64"), "bin/linux-x64/backend-architect");
  assert.equal(binaryPath("linux-arm64"), "bin/linux-arm64/backend-architect");
  assert.equal(binaryPath("linux-armhf"), "bin/linux-arm/backend-architect");
  assert.equal(binaryPath("alpine-x64"), "bin/linux-x64/backend-architect");
  assert.equal(binaryPath("darwin-arm64"), "bin/darwin-arm64/backend-architect");
  assert.equal(binaryPath("win32-x64"), "bin/win32-x64/backend-architect.exe");
  assert.throws(() => binaryPath("web"));
});

test("the host target, and cargo's output for it and for cross builds", () => {
  assert.equal(hostTarget("linux", "x64"), "linux-x64");
  assert.equal(hostTarget("linux", "arm"), "linux-armhf");
  assert.equal(hostTarget("darwin", "arm64"), "darwin-arm64");
  assert.equal(hostTarget("sunos", "x64"), undefined);
  assert.equal(cargoOutput("linux-x64", "linux-x64"), "target/release/backend-architect");
  assert.equal(cargoOutput("linux-arm64", "linux-x64"), "target/aarch64-unknown-linux-gnu/release/backend-architect");
  assert.equal(cargoOutput("win32-x64", "linux-x64"), "target/x86_64-pc-windows-msvc/release/backend-architect.exe");
  for (const t of Object.values(TARGETS)) assert.match(t.rust, /^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+(-[a-z0-9_]+)?$/);
});
