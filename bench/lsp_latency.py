#!/usr/bin/env python3
"""Keystroke-to-diagnostics latency of language servers over stdio, measured the same way for
each server in one run.

For each server: initialize (UTF-16, publishDiagnostics with version support, no pull
diagnostics, so servers push), open the file, wait for its first diagnostics, then type: each
keystroke is one incremental didChange (insert a character into a comment in a function body near
the middle of the file, then delete it), and the time is measured from writing the didChange to
receiving publishDiagnostics for that version (or, for a server that omits the version, the first
publish after the change).

Usage:
  python3 bench/gen_python.py 8000 /tmp/big.py
  python3 bench/lsp_latency.py --file /tmp/big.py \\
      --server "backend-architect=target/release/backend-architect lsp" \\
      --server "ruff=ruff server"
"""
import argparse
import json
import os
import queue
import shlex
import statistics
import subprocess
import sys
import threading
import time


class Server:
    def __init__(self, name, command, root):
        self.name = name
        argv = shlex.split(command)
        if os.sep in argv[0] and os.path.exists(argv[0]):
            argv[0] = os.path.abspath(argv[0])  # the server runs in the file's directory
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, cwd=root,
        )
        self.inbox = queue.Queue()
        self.next_id = 1
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            now = time.perf_counter()
            if "method" in msg and "id" in msg:
                self._answer(msg)
            else:
                self.inbox.put((now, msg))

    def _answer(self, msg):
        method = msg["method"]
        if method == "workspace/configuration":
            result = [None for _ in msg["params"].get("items", [])]
        else:
            result = None
        self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    def send(self, msg):
        body = json.dumps(msg).encode()
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()
        return time.perf_counter()

    def request(self, method, params, timeout=30):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.time() + timeout
        while True:
            _, msg = self.inbox.get(timeout=max(0.01, deadline - time.time()))
            if msg.get("id") == rid:
                return msg

    def notify(self, method, params):
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri, version, timeout):
        """(arrival time, params) of the publish for `version`; a publish without a version
        counts as the answer to the latest change."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None, None
            try:
                at, msg = self.inbox.get(timeout=left)
            except queue.Empty:
                return None, None
            if msg.get("method") != "textDocument/publishDiagnostics":
                continue
            p = msg["params"]
            if p.get("uri") != uri:
                continue
            v = p.get("version")
            if v is None or v == version:
                return at, p

    def close(self):
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def keystroke_position(text):
    lines = text.split("\n")
    middle = len(lines) // 2
    for i in range(middle, len(lines)):
        stripped = lines[i].lstrip()
        if stripped.startswith("# "):
            return i, len(lines[i]) - len(stripped) + 2
    return middle, 0


def measure(name, command, path, keystrokes, warmup, timeout):
    text = open(path, encoding="utf-8").read()
    uri = "file://" + os.path.abspath(path)
    root = os.path.dirname(os.path.abspath(path))
    server = Server(name, command, root)
    init = server.request("initialize", {
        "processId": os.getpid(),
        "rootUri": "file://" + root,
        "workspaceFolders": [{"uri": "file://" + root, "name": "bench"}],
        "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {"publishDiagnostics": {"versionSupport": True}},
            "workspace": {"configuration": True},
        },
    })
    if "error" in init:
        raise SystemExit(f"{name}: initialize failed: {init['error']}")
    server.notify("initialized", {})
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    at, params = server.wait_diagnostics(uri, 1, timeout)
    if at is None:
        raise SystemExit(f"{name}: no diagnostics after didOpen")
    line, col = keystroke_position(text)
    version = 1
    samples, failures, versionless, last = [], 0, False, params
    for k in range(warmup + keystrokes):
        version += 1
        if k % 2 == 0:
            change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": "x"}
        else:
            change = {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}}, "text": ""}
        sent = server.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        at, params = server.wait_diagnostics(uri, version, timeout)
        if at is None:
            failures += 1
            continue
        if params.get("version") is None:
            versionless = True
        last = params
        if k >= warmup:
            samples.append((at - sent) * 1000)
    server.close()
    return {
        "server": name,
        "samples_ms": samples,
        "failures": failures,
        "versionless": versionless,
        "diagnostics": len(last.get("diagnostics", [])),
    }


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", required=True)
    ap.add_argument("--server", action="append", required=True, help="NAME=COMMAND")
    ap.add_argument("--keystrokes", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--json", help="write raw samples here")
    args = ap.parse_args()
    lines = sum(1 for _ in open(args.file, encoding="utf-8"))
    results = []
    for spec in args.server:
        name, _, command = spec.partition("=")
        results.append(measure(name, command, args.file, args.keystrokes, args.warmup, args.timeout))
    print(f"{args.file}: {lines} lines, {args.keystrokes} keystrokes after {args.warmup} warm-up")
    print(f"{'server':<20} {'median':>8} {'p90':>8} {'p99':>8} {'min':>8} {'max':>8} {'diags':>6} {'fail':>5}")
    for r in results:
        s = r["samples_ms"]
        if not s:
            print(f"{r['server']:<20} no samples ({r['failures']} failures)")
            continue
        note = "  (publishes without version)" if r["versionless"] else ""
        print(f"{r['server']:<20} {statistics.median(s):8.3f} {pct(s, 90):8.3f} {pct(s, 99):8.3f} "
              f"{min(s):8.3f} {max(s):8.3f} {r['diagnostics']:>6} {r['failures']:>5}{note}")
    if len(results) > 1 and all(r["samples_ms"] for r in results):
        base = statistics.median(results[0]["samples_ms"])
        for r in results[1:]:
            print(f"median ratio {r['server']} / {results[0]['server']}: {statistics.median(r['samples_ms']) / base:.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
