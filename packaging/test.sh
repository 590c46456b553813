#!/usr/bin/env bash
# Builds the packages that install backend-architect without a Rust toolchain and runs each as a
# user would, from a clean place: the PyPI wheel in a fresh venv, the npm tarballs in a fresh
# project (offline), and the pre-commit hooks on a fresh git repository (the wheel from a local
# wheelhouse, since nothing is published; the hooks come from this repository's HEAD commit).
# Packs the release build that `cargo build --release`
# already made (target/release): maturin runs the same cargo build, which is then up to date.
#
#   packaging/test.sh [OUT_DIR]     # the wheel and tarballs are left in OUT_DIR (default: a temp dir)
#
# Needs maturin, npm and pre-commit (`pip install maturin pre-commit`); a missing tool is an error,
# never a skip.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT=${1:-$WORK/out}
mkdir -p "$OUT"

fail() { echo "packaging/test.sh: $*" >&2; exit 1; }
for tool in maturin npm node python3 pre-commit git; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (pip install maturin pre-commit; npm comes with Node)"
done

# --- one version everywhere ---------------------------------------------------------------------
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$ROOT/server/backend-architect/Cargo.toml")
[ -n "$version" ] || fail "no version in server/backend-architect/Cargo.toml"
grep -q "^version = \"$version\"" "$ROOT/pyproject.toml" || fail "pyproject.toml (pre-commit) version is not $version"
grep -q "\"backend-architect==$version\"" "$ROOT/pyproject.toml" || fail "pyproject.toml (pre-commit) does not pin backend-architect==$version"
grep -q "\"version\": \"$version\"" "$ROOT/packaging/npm/backend-architect/package.json" ||
  fail "packaging/npm/backend-architect/package.json version is not $version"

# Runs the demo check with a given command and insists on what the README promises: exit 1 with
# findings, among them the SQL injection in examples/shop/api/orders.py.
check_demo() {
  local what=$1; shift
  local status=0
  (cd "$ROOT" && "$@" check examples/shop) >"$WORK/check.out" 2>&1 || status=$?
  [ "$status" -eq 1 ] || { cat "$WORK/check.out" >&2; fail "$what: check examples/shop exited $status, expected 1"; }
  grep -q 'examples/shop/api/orders.py:.*SEC101' "$WORK/check.out" ||
    { cat "$WORK/check.out" >&2; fail "$what: no SEC101 finding in examples/shop/api/orders.py"; }
  echo "$what: check examples/shop: $(grep -c ' SEC\| ARC\| PERF\| DEP' "$WORK/check.out") findings, exit 1"
}

check_version() {
  local what=$1; shift
  local got
  got=$("$@" --version)
  [ "$got" = "backend-architect $version" ] || fail "$what: --version printed '$got', expected 'backend-architect $version'"
  echo "$what: $got"
}

# --- PyPI wheel -----------------------------------------------------------------------------------
start=$SECONDS
(cd "$ROOT/packaging/pypi" && maturin build --release --out "$OUT" 2>&1) >"$WORK/maturin.log" ||
  { cat "$WORK/maturin.log" >&2; fail "maturin build failed"; }
wheel=$(ls "$OUT"/backend_architect-"$version"-*.whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { cat "$WORK/maturin.log" >&2; fail "maturin made no backend_architect-$version wheel in $OUT"; }
echo "wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB), built in $((SECONDS - start))s"
if grep -q 'Compiling backend-architect ' "$WORK/maturin.log"; then
  echo "note: maturin compiled the binary again (target/release was not up to date)"
fi
python3 - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
scripts = [n for n in names if ".data/scripts/" in n]
assert scripts and scripts[0].endswith("/backend-architect"), f"no backend-architect script in the wheel: {names}"
PY

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index "$wheel"
check_version "pip (venv)" "$WORK/venv/bin/backend-architect"
check_demo "pip (venv)" "$WORK/venv/bin/backend-architect"

# --- npm -----------------------------------------------------------------------------------------
start=$SECONDS
node --test "$ROOT/packaging/npm/" >"$WORK/node-test.out" 2>&1 || { cat "$WORK/node-test.out" >&2; fail "npm launcher unit tests failed"; }
echo "npm launcher unit tests: $(grep -E '^# (pass|fail) ' "$WORK/node-test.out" | tr '\n' ' ' || true)"
node "$ROOT/packaging/npm/pack.js" --out "$OUT/npm" >"$WORK/tarballs"
mkdir "$WORK/node-project"
(
  cd "$WORK/node-project"
  npm init -y >/dev/null
  # --offline: everything comes from the tarballs, the platform package included.
  npm install --offline --no-audit --no-fund --loglevel=error $(cat "$WORK/tarballs")
  [ -x node_modules/@backend-architect/*/bin/backend-architect ] || fail "npm did not install the platform package"
)
npx_here() { (cd "$WORK/node-project" && npx --no-install backend-architect "$@"); }
check_version "npm (npx)" npx_here
status=0
npx_here check "$ROOT/examples/shop" >"$WORK/check.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$WORK/check.out" >&2; fail "npx: check exited $status, expected 1"; }
grep -q 'orders.py:.*SEC101' "$WORK/check.out" || { cat "$WORK/check.out" >&2; fail "npx: no SEC101 finding"; }
echo "npm (npx): check examples/shop: exit 1 with findings; tarballs: $(for t in $(cat "$WORK/tarballs"); do printf '%s (%s KiB) ' "$(basename "$t")" "$(du -k "$t" | cut -f1)"; done)"
echo "npm: $((SECONDS - start))s"

# --- pre-commit ----------------------------------------------------------------------------------
start=$SECONDS
# Nothing is published: pip finds the wheel (and the shim's build backend) in a local wheelhouse.
mkdir "$WORK/wheelhouse"
cp "$wheel" "$WORK/wheelhouse/"
python3 -m pip download -q --disable-pip-version-check --dest "$WORK/wheelhouse" 'setuptools>=61'
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$WORK/wheelhouse" PRE_COMMIT_HOME="$WORK/pre-commit-home"
repo="$WORK/hooked"
mkdir -p "$repo/app"
git -C "$repo" init -q
# The configuration a user writes (README), naming this repository at its HEAD commit: both
# hooks share one environment, installed once.
cat >"$repo/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $ROOT
    rev: $(git -C "$ROOT" rev-parse HEAD)
    hooks:
      - id: backend-architect
      - id: backend-architect-fix
YAML
cat >"$repo/app/settings.py" <<'PY'
import yaml


def load_settings(path):
    with open(path) as f:
        return yaml.load(f)
PY
git -C "$repo" add -A
hook() { (cd "$repo" && pre-commit run "$1" --all-files) >"$WORK/hook.out" 2>&1; }
status=0
hook backend-architect || status=$?
[ "$status" -eq 1 ] && grep -q 'SEC201' "$WORK/hook.out" ||
  { cat "$WORK/hook.out" >&2; fail "pre-commit hook backend-architect: expected a failure with SEC201 (exit $status)"; }
echo "pre-commit backend-architect: fails the commit with SEC201"
status=0
hook backend-architect-fix || status=$?
grep -q 'yaml.safe_load(f)' "$repo/app/settings.py" ||
  { cat "$WORK/hook.out" >&2; fail "pre-commit hook backend-architect-fix did not apply the safe fix (exit $status)"; }
[ "$status" -eq 1 ] || { cat "$WORK/hook.out" >&2; fail "pre-commit hook backend-architect-fix: a fixed file must fail the run (exit $status)"; }
git -C "$repo" add -A
hook backend-architect || { cat "$WORK/hook.out" >&2; fail "pre-commit hook backend-architect: fails on the fixed file"; }
echo "pre-commit backend-architect-fix: rewrote yaml.load to yaml.safe_load; the hook then passes"
echo "pre-commit: $((SECONDS - start))s"
