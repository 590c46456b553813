// Builds the platform-specific package backend-architect-<target>.vsix: bundles the server for
// the target, then `vsce package --target` (which runs `vscode:prepublish`, the extension build).
//   npm run package                        this machine's target (linux-x64 on CI)
//   npm run package -- --target linux-arm64  with target/aarch64-unknown-linux-gnu/release/…
const { execFileSync } = require("node:child_process");
const path = require("node:path");
const { hostTarget, TARGETS } = require("./targets");

const argv = process.argv.slice(2);
const i = argv.indexOf("--target");
const target = i >= 0 ? argv[i + 1] : process.env.BACKEND_ARCHITECT_TARGET || hostTarget();
if (!TARGETS[target]) {
  console.error(`unknown target ${target}; one of ${Object.keys(TARGETS).join(", ")}`);
  process.exit(1);
}
const extension = path.join(__dirname, "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: extension, stdio: "inherit" });
run(process.execPath, [path.join(__dirname, "bundle-server.js"), "--target", target]);
const vsce = path.join(extension, "node_modules", "@vscode", "vsce", "vsce");
const out = `backend-architect-${target}.vsix`;
run(process.execPath, [vsce, "package", "--no-dependencies", "--target", target, "--out", out]);
console.log(`packaged ${out}`);
