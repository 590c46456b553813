// VS Code's platform targets (`vsce package --target`) and the Node `platform-arch` directory
// under bin/ where the extension looks for the bundled server (src/server.ts, bundledPath).
// Alpine targets take a musl build of the server; the extension cannot tell them apart at run
// time and need not: VS Code installs the package built for its own target.
const TARGETS = {
  "linux-x64": { platform: "linux", arch: "x64", rust: "x86_64-unknown-linux-gnu" },
  "linux-arm64": { platform: "linux", arch: "arm64", rust: "aarch64-unknown-linux-gnu" },
  "linux-armhf": { platform: "linux", arch: "arm", rust: "armv7-unknown-linux-gnueabihf" },
  "alpine-x64": { platform: "linux", arch: "x64", rust: "x86_64-unknown-linux-musl" },
  "alpine-arm64": { platform: "linux", arch: "arm64", rust: "aarch64-unknown-linux-musl" },
  "darwin-x64": { platform: "darwin", arch: "x64", rust: "x86_64-apple-darwin" },
  "darwin-arm64": { platform: "darwin", arch: "arm64", rust: "aarch64-apple-darwin" },
  "win32-x64": { platform: "win32", arch: "x64", rust: "x86_64-pc-windows-msvc" },
  "win32-arm64": { platform: "win32", arch: "arm64", rust: "aarch64-pc-windows-msvc" },
};

/** The VS Code target of this machine (glibc Linux, macOS or Windows), or undefined. */
function hostTarget(platform = process.platform, arch = process.arch) {
  const name = `${platform}-${arch === "arm" ? "armhf" : arch}`;
  return TARGETS[name] ? name : undefined;
}

/** Where the target's server goes in the package, relative to the extension root. */
function binaryPath(target) {
  const t = TARGETS[target];
  if (!t) throw new Error(`unknown target ${target}; one of ${Object.keys(TARGETS).join(", ")}`);
  const exe = t.platform === "win32" ? "backend-architect.exe" : "backend-architect";
  return ["bin", `${t.platform}-${t.arch}`, exe].join("/");
}

/** The release binary cargo builds for the target, relative to the repository root: the host's
 * own build in target/release when the target is the host's, else target/<triple>/release. */
function cargoOutput(target, host = hostTarget()) {
  const t = TARGETS[target];
  if (!t) throw new Error(`unknown target ${target}`);
  const exe = t.platform === "win32" ? "backend-architect.exe" : "backend-architect";
  return target === host ? `target/release/${exe}` : `target/${t.rust}/release/${exe}`;
}

module.exports = { TARGETS, hostTarget, binaryPath, cargoOutput };
