#!/bin/sh
# Keystroke-to-diagnostics latency on the file shapes of issue #22, ours beside Ruff's server:
# the same client, file and keystrokes (bench/lsp_latency.py, servers interleaved so they share
# the machine's noisy moments; one character typed onto a local variable's name and deleted, then
# a space typed at the end of the middle line and deleted; the diagnostics of each version awaited).
#
#   bench/latency.sh [BIN] [KEYSTROKES] [ROUNDS]
#
# BIN defaults to target/release/backend-architect (cargo build --release); 200 keystrokes and
# 3 rounds by default. Needs `pip install ruff`, and the bench corpus (python3 bench/corpus.py)
# for Django's query.py and SQLAlchemy's compiler.py (skipped when absent). The two synthetic
# shapes are written here: 2,000 small top-level functions (8,000 lines) and 300 Flask handlers
# with findings (2,700 lines).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../target/release/backend-architect}
keys=${2:-200}
rounds=${3:-3}
command -v ruff >/dev/null || { echo "ruff is not installed (pip install ruff)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/small" "$work/handlers"
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
out = ["import subprocess", "from flask import request", ""]
for i in range(2000):
    out += [f"def f{i}(x):", f"    y = x + {i}",
            "    subprocess.call(request.args['c'], shell=True)" if i % 50 == 0 else "    return y", ""]
open(f"{work}/small/many_small.py", "w").write("\n".join(out))
out = ["import sqlite3, requests", "from flask import Flask, request", "app = Flask(__name__)", ""]
for i in range(300):
    out += [f"@app.route('/items{i}/<int:item_id>')", f"def item{i}(item_id):",
            "    db = sqlite3.connect('app.db')",
            f"    q = request.args.get('q{i}', '')",
            "    rows = db.execute(f\"SELECT * FROM t WHERE name = '{q}'\").fetchall()" if i % 10 == 0
            else "    rows = db.execute('SELECT * FROM t WHERE id = ?', (item_id,)).fetchall()",
            "    requests.get('https://example.com/api', timeout=5)",
            "    return {'rows': rows}", ""]
open(f"{work}/handlers/handlers.py", "w").write("\n".join(out))
PY
files="$work/small/many_small.py $work/handlers/handlers.py"
for f in django/django/db/models/query.py sqlalchemy/sqlalchemy/sql/compiler.py; do
    if [ -f "$here/corpus/python/$f" ]; then
        files="$files $here/corpus/python/$f"
    else
        echo "skipped $f: run python3 bench/corpus.py" >&2
    fi
done
# Two keystrokes per file: onto a local variable's name, and a space at the end of the middle
# line (the issue's own keystroke; for the synthetic shapes, the end of a function's last line).
for f in $files; do
    for edit in identifier line-end; do
        echo "== $(basename "$f"), --edit $edit"
        python3 "$here/lsp_latency.py" --file "$f" --edit "$edit" --interleave \
            --keystrokes "$keys" --rounds "$rounds" \
            --server "backend-architect=$bin lsp" --server "ruff=ruff server"
        echo
    done
done
