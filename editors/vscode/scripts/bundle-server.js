// Copies the release server binary into bin/<platform>-<arch>/ so `vsce package` bundles it.
// Build it first: cargo build --release (from the repository root).
const fs = require("node:fs");
const path = require("node:path");

const exe = process.platform === "win32" ? "backend-architect.exe" : "backend-architect";
const source = process.env.BACKEND_ARCHITECT_BIN || path.join(__dirname, "..", "..", "..", "target", "release", exe);
if (!fs.existsSync(source)) {
  console.error(`no server binary at ${source}; run \`cargo build --release\` first or set BACKEND_ARCHITECT_BIN`);
  process.exit(1);
}
const dir = path.join(__dirname, "..", "bin", `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(source, path.join(dir, exe));
fs.chmodSync(path.join(dir, exe), 0o755);
console.log(`bundled ${source} -> ${path.relative(process.cwd(), path.join(dir, exe))}`);
