// The npm packages that carry the native binary, one per platform (the esbuild/biome pattern):
// the launcher package `backend-architect` lists them as optionalDependencies, and npm installs
// only the one whose `os`/`cpu`/`libc` fields match the machine.
const SCOPE = "@backend-architect";

const PLATFORMS = {
  "linux-x64": { os: "linux", cpu: "x64", libc: "glibc", rust: "x86_64-unknown-linux-gnu" },
  "linux-arm64": { os: "linux", cpu: "arm64", libc: "glibc", rust: "aarch64-unknown-linux-gnu" },
  "linux-x64-musl": { os: "linux", cpu: "x64", libc: "musl", rust: "x86_64-unknown-linux-musl" },
  "linux-arm64-musl": { os: "linux", cpu: "arm64", libc: "musl", rust: "aarch64-unknown-linux-musl" },
  "darwin-x64": { os: "darwin", cpu: "x64", rust: "x86_64-apple-darwin" },
  "darwin-arm64": { os: "darwin", cpu: "arm64", rust: "aarch64-apple-darwin" },
  "win32-x64": { os: "win32", cpu: "x64", rust: "x86_64-pc-windows-msvc" },
  "win32-arm64": { os: "win32", cpu: "arm64", rust: "aarch64-pc-windows-msvc" },
};

/** The file name of the binary on a platform. */
function exeName(os) {
  return os === "win32" ? "backend-architect.exe" : "backend-architect";
}

/** The platform key for this machine (musl Linux gets its own), or undefined. `report` is
 * `process.report.getReport()`: glibc Linux reports the glibc version it runs with. */
function platformKey(os = process.platform, cpu = process.arch, report = undefined) {
  let key = `${os}-${cpu}`;
  if (os === "linux") {
    const r = report ?? process.report?.getReport?.();
    const glibc = r && r.header && r.header.glibcVersionRuntime;
    if (!glibc) key += "-musl";
  }
  return PLATFORMS[key] ? key : undefined;
}

/** The npm package name for a platform key. */
function packageName(key) {
  return `${SCOPE}/${key}`;
}

module.exports = { SCOPE, PLATFORMS, exeName, platformKey, packageName };
