// Copies a release server binary into bin/<platform>-<arch>/ so `vsce package` bundles it, after
// clearing bin/ (one platform per package).
//   node scripts/bundle-server.js [--target linux-arm64]     (default: this machine's target)
// The binary: $BACKEND_ARCHITECT_BIN, else cargo's output for the target (target/release for this
// machine's, target/<triple>/release otherwise). Build it first: cargo build --release.
const fs = require("node:fs");
const path = require("node:path");
const { binaryPath, cargoOutput, hostTarget } = require("./targets");

function targetArg(argv) {
  const i = argv.indexOf("--target");
  if (i >= 0) return argv[i + 1];
  return process.env.BACKEND_ARCHITECT_TARGET || hostTarget();
}

const target = targetArg(process.argv.slice(2));
if (!target) {
  console.error(`no VS Code target for ${process.platform}-${process.arch}; pass --target`);
  process.exit(1);
}
const root = path.join(__dirname, "..", "..", "..");
const source = process.env.BACKEND_ARCHITECT_BIN || path.join(root, cargoOutput(target));
if (!fs.existsSync(source)) {
  console.error(`no server binary at ${source}; run \`cargo build --release\` first or set BACKEND_ARCHITECT_BIN`);
  process.exit(1);
}
const extension = path.join(__dirname, "..");
fs.rmSync(path.join(extension, "bin"), { recursive: true, force: true });
const dest = path.join(extension, binaryPath(target));
fs.mkdirSync(path.dirname(dest), { recursive: true });
fs.copyFileSync(source, dest);
fs.chmodSync(dest, 0o755);
console.log(`bundled ${source} -> ${path.relative(process.cwd(), dest)} (${target})`);
