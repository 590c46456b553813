#!/usr/bin/env node
// Runs the native backend-architect binary that npm installed for this machine (the package
// @backend-architect/<platform>, an optional dependency of this one), passing arguments, standard
// streams and the exit status through. BACKEND_ARCHITECT_BINARY overrides the binary's path.
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { PLATFORMS, exeName, platformKey, packageName } = require("../platforms.js");

function binary() {
  const override = process.env.BACKEND_ARCHITECT_BINARY;
  if (override) return override;
  const key = platformKey();
  if (!key) {
    const libc = process.platform === "linux" ? " (musl)" : "";
    fail(
      `no prebuilt binary for ${process.platform}-${process.arch}${libc}; prebuilt: ` +
        `${Object.keys(PLATFORMS).join(", ")}. Install from source with ` +
        "`cargo install --locked backend-architect`, or set BACKEND_ARCHITECT_BINARY.",
    );
  }
  const name = packageName(key);
  try {
    const manifest = require.resolve(`${name}/package.json`);
    return path.join(path.dirname(manifest), "bin", exeName(PLATFORMS[key].os));
  } catch {
    fail(
      `the package ${name} with the binary for this machine is not installed. It is an optional ` +
        "dependency of backend-architect: reinstall without --no-optional/--omit=optional, and " +
        "make sure the lock file was not made on another platform.",
    );
  }
}

function fail(message) {
  process.stderr.write(`backend-architect: ${message}\n`);
  process.exit(2);
}

const result = spawnSync(binary(), process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (result.error) fail(`cannot run ${result.error.path ?? "the binary"}: ${result.error.message}`);
if (result.signal) {
  // Die of the same signal, so the caller sees what the binary saw.
  process.kill(process.pid, result.signal);
}
process.exit(result.status ?? 1);
