#!/usr/bin/env python3
"""Times `check` and the language server on every hostile shape of tests/hostile.rs.

For each file in DIR (written by `BA_HOSTILE_DIR=DIR cargo test --test hostile write_shapes --
--ignored`): `check --no-cache FILE` and a server session that opens the file, waits for its
diagnostics and shuts down, each under `/usr/bin/time -v` (wall time, peak RSS). Prints a
Markdown table.

Usage: python3 bench/hostile.py BINARY DIR
"""
import json
import os
import re
import subprocess
import sys

LANGUAGE = {".py": "python", ".js": "javascript", ".ts": "typescript", ".tsx": "typescriptreact"}


def timed(argv, stdin=None):
    """Runs argv under /usr/bin/time -v; returns (exit code, seconds, peak RSS in MB, stdout)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *argv], input=stdin, capture_output=True, timeout=600
    )
    err = proc.stderr.decode(errors="replace")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    return proc.returncode, seconds, rss, proc.stdout


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def session(path):
    """The server's input: initialize, open the file, then (in the client below) wait."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    uri = "file://" + os.path.abspath(path)
    language = LANGUAGE[os.path.splitext(path)[1]]
    return uri, [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen",
         "params": {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}},
    ]


CLIENT = r"""
import json, subprocess, sys
binary, uri, messages = sys.argv[1], sys.argv[2], json.loads(sys.stdin.read())
p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
def send(m):
    body = json.dumps(m).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body); p.stdin.flush()
def read():
    length = None
    while True:
        line = p.stdout.readline()
        if not line: sys.exit("the server ended")
        line = line.strip()
        if not line: break
        if line.lower().startswith(b"content-length:"): length = int(line.split(b":")[1])
    return json.loads(p.stdout.read(length))
send(messages[0])
while read().get("id") != 0: pass
for m in messages[1:]: send(m)
while True:
    m = read()
    if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"].get("version") == 1:
        print(len(m["params"]["diagnostics"])); break
send({"jsonrpc": "2.0", "id": "end", "method": "shutdown"})
while read().get("id") != "end": pass
send({"jsonrpc": "2.0", "method": "exit"})
sys.exit(p.wait())
"""


def main():
    binary, directory = sys.argv[1], sys.argv[2]
    print("| shape | size | `check`: exit, wall, peak RSS | server: open → diagnostics → exit, wall, peak RSS |")
    print("| --- | --- | --- | --- |")
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        size = os.path.getsize(path)
        code, seconds, rss, _ = timed([binary, "check", "--no-cache", path])
        uri, messages = session(path)
        # /usr/bin/time measures the client and the server it starts (children count in RSS only
        # for the largest process: the server).
        s_code, s_seconds, s_rss, out = timed(
            [sys.executable, "-c", CLIENT, binary, uri], stdin=json.dumps(messages).encode()
        )
        diagnostics = out.decode().strip() or "?"
        print(
            f"| {name} | {size / 1024:.0f} KB | {code}, {seconds:.2f} s, {rss:.0f} MB "
            f"| {s_code}, {s_seconds:.2f} s, {s_rss:.0f} MB ({diagnostics} diagnostics) |"
        )


if __name__ == "__main__":
    main()
