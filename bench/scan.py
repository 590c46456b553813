#!/usr/bin/env python3
"""Times `backend-architect check` against Ruff, Bandit and Semgrep on the registry corpora.

    python3 bench/corpus.py                # downloads bench/corpus/{python,javascript}
    cargo build --release
    pip install ruff bandit semgrep
    python3 bench/scan.py [--runs 3]

Prints the median wall time of each tool per corpus, its peak memory (max RSS, from GNU time),
its finding count, and the ratio to our cold run. Our tool is timed cold (--no-cache) and warm
(a second run over the unchanged tree with the results cache).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(ROOT, "target", "release", "backend-architect")
RULES = os.path.join(HERE, "semgrep-rules.yml")


def timed(cmd, cwd, env=None):
    """(seconds, peak RSS in MB, stdout) of one run."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        elapsed = time.perf_counter() - start
        kb = int((rss.read().strip().splitlines() or ["0"])[-1])
    return elapsed, kb / 1024, proc.stdout


def count(tool, out, cwd):
    try:
        if tool.startswith("backend-architect"):
            return len(json.loads(out))
        if tool == "ruff":
            return len(json.loads(out))
        if tool == "bandit":
            return len(json.load(open(os.path.join(cwd, "bandit.json")))["results"])
        if tool == "semgrep":
            return len(json.loads(out)["results"])
    except Exception:
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus"))
    args = ap.parse_args()
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    corpora = {
        "python": {
            "backend-architect (cold)": [BIN, "check", "--no-cache", "--exit-zero", "--format", "json", "python"],
            "backend-architect (warm)": [BIN, "check", "--exit-zero", "--format", "json", "python"],
            "ruff": ["ruff", "check", "--select", "S", "--no-cache", "--exit-zero", "--output-format", "json", "python"],
            "bandit": ["bandit", "-r", "-q", "-f", "json", "-o", "bandit.json", "python"],
            "semgrep": ["semgrep", "--metrics=off", "--disable-version-check", "--no-git-ignore", "--quiet",
                        "--json", "--config", RULES, "python"],
        },
        "javascript": {
            "backend-architect (cold)": [BIN, "check", "--no-cache", "--exit-zero", "--format", "json", "javascript"],
            "backend-architect (warm)": [BIN, "check", "--exit-zero", "--format", "json", "javascript"],
            "semgrep": ["semgrep", "--metrics=off", "--disable-version-check", "--no-git-ignore", "--quiet",
                        "--json", "--config", RULES, "javascript"],
        },
    }
    for corpus, tools in corpora.items():
        cwd = args.corpus
        if not os.path.isdir(os.path.join(cwd, corpus)):
            sys.exit(f"no corpus at {cwd}/{corpus}: run bench/corpus.py")
        rows = []
        for tool, cmd in tools.items():
            if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):
                rows.append((tool, None, None, "not installed"))
                continue
            if tool.endswith("(warm)"):
                timed(cmd, cwd, env)  # fill the cache
            samples = [timed(cmd, cwd, env) for _ in range(args.runs)]
            rows.append((tool, statistics.median(s[0] for s in samples), max(s[1] for s in samples),
                         count(tool, samples[-1][2], cwd)))
        base = next(r[1] for r in rows if r[0] == "backend-architect (cold)")
        print(f"\n{corpus} corpus, median of {args.runs} runs")
        print(f"{'tool':<26} {'median s':>9} {'peak MB':>8} {'findings':>9} {'ratio':>7}")
        for tool, median, peak, found in rows:
            if median is None:
                print(f"{tool:<26} {found}")
                continue
            print(f"{tool:<26} {median:9.2f} {peak:8.0f} {found!s:>9} {median / base:6.1f}x")


if __name__ == "__main__":
    main()
