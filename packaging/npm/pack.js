#!/usr/bin/env node
// Builds the npm tarballs from release binaries: one @backend-architect/<platform> package per
// binary given (os/cpu/libc fields set, the binary in bin/) and the `backend-architect` launcher,
// whose optionalDependencies list exactly those platform packages. Nothing is published.
//
//   node packaging/npm/pack.js --out DIR [--platform linux-x64=target/release/backend-architect]...
//
// Without --platform it packs this machine's target/release build. The version is the one in
// server/backend-architect/Cargo.toml; the launcher's package.json must say the same.
"use strict";
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { PLATFORMS, exeName, platformKey, packageName } = require("./backend-architect/platforms.js");

const ROOT = path.resolve(__dirname, "..", "..");
const LAUNCHER = path.join(__dirname, "backend-architect");

function cargoVersion() {
  const manifest = fs.readFileSync(path.join(ROOT, "server/backend-architect/Cargo.toml"), "utf8");
  const m = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m.exec(manifest);
  if (!m) throw new Error("no version in server/backend-architect/Cargo.toml [package]");
  return m[1];
}

/** The first bytes of an executable for the platform's OS (ELF, Mach-O, PE). */
function checkExecutable(file, key) {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, head, 0, 4, 0);
  } finally {
    fs.closeSync(fd);
  }
  const magic = head.readUInt32BE(0);
  const ok = {
    linux: magic === 0x7f454c46,
    darwin: [0xcffaedfe, 0xcefaedfe, 0xfeedfacf, 0xcafebabe].includes(magic),
    win32: head[0] === 0x4d && head[1] === 0x5a,
  }[PLATFORMS[key].os];
  if (!ok) throw new Error(`${file} is not a ${PLATFORMS[key].os} executable`);
}

function npmPack(dir, out) {
  const stdout = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], {
    cwd: dir,
    encoding: "utf8",
  });
  return path.join(out, stdout.trim().split("\n").pop());
}

function parseArgs(argv) {
  const args = { out: undefined, platforms: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") args.out = argv[++i];
    else if (a === "--platform") {
      const [key, binary] = (argv[++i] ?? "").split("=");
      if (!PLATFORMS[key] || !binary) {
        throw new Error(`--platform KEY=BINARY with KEY one of ${Object.keys(PLATFORMS).join(", ")}`);
      }
      args.platforms.push({ key, binary });
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!args.out) throw new Error("--out DIR is required");
  if (args.platforms.length === 0) {
    const key = platformKey();
    if (!key) throw new Error(`no npm platform for ${process.platform}-${process.arch}`);
    args.platforms.push({ key, binary: path.join(ROOT, "target/release", exeName(PLATFORMS[key].os)) });
  }
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const version = cargoVersion();
  const launcher = JSON.parse(fs.readFileSync(path.join(LAUNCHER, "package.json"), "utf8"));
  if (launcher.version !== version) {
    throw new Error(
      `packaging/npm/backend-architect/package.json says ${launcher.version}, Cargo.toml ${version}`,
    );
  }
  const out = path.resolve(args.out);
  fs.mkdirSync(out, { recursive: true });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "backend-architect-npm-"));
  const tarballs = [];
  try {
    launcher.optionalDependencies = {};
    for (const { key, binary } of args.platforms) {
      if (!fs.existsSync(binary)) {
        throw new Error(`no binary at ${binary}; build it first (cargo build --release)`);
      }
      checkExecutable(binary, key);
      const p = PLATFORMS[key];
      const dir = path.join(staging, key);
      fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
      const exe = path.join(dir, "bin", exeName(p.os));
      fs.copyFileSync(binary, exe);
      fs.chmodSync(exe, 0o755);
      const manifest = {
        name: packageName(key),
        version,
        description: `The ${key} binary of backend-architect (installed by the backend-architect package).`,
        license: launcher.license,
        repository: launcher.repository,
        os: [p.os],
        cpu: [p.cpu],
        ...(p.libc ? { libc: [p.libc] } : {}),
        files: ["bin/"],
        preferUnplugged: true,
      };
      fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
      fs.writeFileSync(
        path.join(dir, "README.md"),
        `# ${manifest.name}\n\n${manifest.description} Install \`backend-architect\` instead.\n`,
      );
      tarballs.push(npmPack(dir, out));
      launcher.optionalDependencies[manifest.name] = version;
    }
    const dir = path.join(staging, "launcher");
    fs.cpSync(LAUNCHER, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(launcher, null, 2)}\n`);
    tarballs.push(npmPack(dir, out));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  for (const t of tarballs) console.log(t);
}

try {
  main();
} catch (e) {
  console.error(`pack.js: ${e.message}`);
  process.exit(2);
}
