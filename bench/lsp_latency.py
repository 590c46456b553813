#!/usr/bin/env python3
"""Keystroke-to-diagnostics latency of language servers over stdio, measured the same way for
each server, on the same file, in one run.

For each --server NAME=COMMAND, in the order given:
  1. spawn COMMAND with the file's directory as working directory and as rootUri;
  2. initialize (positionEncodings ["utf-16"], publishDiagnostics.versionSupport, and no
     textDocument.diagnostic capability, so servers push diagnostics), then initialized;
  3. didOpen the file (languageId python, version 1) and wait for its first publishDiagnostics;
  4. WARMUP + KEYSTROKES keystrokes, one at a time: each is a didChange (version + 1) carrying one
     incremental change that inserts one character, or deletes the one just inserted, in a
     comment (or, with --edit identifier, at the end of a local variable's name; with --edit
     line-end, a space at the end of the middle line) inside a
     function body near the middle of the file. The time is taken from just before the
     didChange is written to the pipe until the publishDiagnostics for that URI whose `version`
     equals the new version has been read in full (JSON decoding is not counted). A server that
     publishes without `version` is timed to the first publish for that URI after the send, and
     the output says so. The next keystroke is sent only after the answer (or after --timeout,
     which counts as a failure);
  5. shutdown, exit.
--rounds R repeats all of this R times (alternating which server goes first) and pools the
samples; --interleave starts every server at once and sends keystroke k to each in turn.
Requests from the server (workspace/configuration, client/registerCapability,
window/workDoneProgress/create, ...) are answered at once with an empty result.

Usage:
  python3 bench/gen_python.py 8000 /tmp/big.py
  python3 bench/lsp_latency.py --file /tmp/big.py --rounds 5 \\
      --server "backend-architect=target/release/backend-architect lsp" \\
      --server "ruff=ruff server"
Standard library only.
"""
import argparse
import json
import os
import re
import select
import shlex
import statistics
import subprocess
import sys
import tempfile
import time


class ServerGone(Exception):
    pass


class Server:
    """One language server on stdio pipes, driven from a single thread: select() on its stdout
    while writing, so a large didOpen cannot deadlock against a chatty server."""

    def __init__(self, name, command, cwd):
        self.name = name
        argv = shlex.split(command)
        # The server runs in the file's directory: make paths given relative to ours absolute.
        argv = [os.path.abspath(a) if (os.sep in a or a.endswith(".py")) and os.path.exists(a)
                else a for a in argv]
        self.stderr = tempfile.NamedTemporaryFile(prefix=f"lsp-{name}-", suffix=".stderr", delete=False)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, cwd=cwd, bufsize=0)
        self.out_fd = self.proc.stdout.fileno()
        self.in_fd = self.proc.stdin.fileno()
        os.set_blocking(self.out_fd, False)
        os.set_blocking(self.in_fd, False)
        self.buf = b""
        self.pending = []  # (arrival time, message) read but not yet consumed
        self.next_id = 1
        self.requests_answered = {}

    # -- wire ------------------------------------------------------------------------------
    def _frames(self, now):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            length = None
            for line in self.buf[:end].split(b"\r\n"):
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v)
            if length is None:
                raise ServerGone(f"{self.name}: frame without Content-Length: {self.buf[:end]!r}")
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            self.pending.append((now, body))

    def _read_available(self):
        try:
            chunk = os.read(self.out_fd, 1 << 20)
        except BlockingIOError:
            return
        if not chunk:
            try:
                code = self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                code = "none yet"
            raise ServerGone(f"{self.name}: server closed its stdout (exit code {code})")
        self.buf += chunk
        self._frames(time.perf_counter())

    def _pump(self, timeout, out=b""):
        """Write `out` fully; read whatever arrives until something is pending or `timeout`."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if not out and (self.pending or left <= 0):
                return
            rlist, wlist, _ = select.select([self.out_fd], [self.in_fd] if out else [], [],
                                            max(0.0, left) if not out else max(0.0, left, 1.0))
            if wlist:
                try:
                    n = os.write(self.in_fd, out)
                    out = out[n:]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    raise ServerGone(f"{self.name}: server closed its stdin")
            if rlist:
                self._read_available()
            if out and not rlist and not wlist and time.perf_counter() > deadline + 10.0:
                raise ServerGone(f"{self.name}: server does not read its stdin")

    def send(self, msg):
        body = json.dumps(msg, separators=(",", ":")).encode()
        frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
        sent = time.perf_counter()
        self._pump(0, frame)
        return sent

    def next_message(self, deadline):
        """(arrival time, message) of the next message that is not a server request (those are
        answered here), or (None, None) at `deadline`."""
        while True:
            if not self.pending:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None, None
                self._pump(left)
                continue
            at, body = self.pending.pop(0)
            msg = json.loads(body)
            if "method" in msg and "id" in msg:
                self._answer(msg)
                continue
            return at, msg

    def _answer(self, msg):
        method = msg["method"]
        self.requests_answered[method] = self.requests_answered.get(method, 0) + 1
        if method == "workspace/configuration":
            result = [{} for _ in msg.get("params", {}).get("items", [])]
        elif method == "workspace/workspaceFolders":
            result = []
        else:  # client/registerCapability, window/workDoneProgress/create, ...
            result = None
        self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})

    # -- LSP ---------------------------------------------------------------------------------
    def request(self, method, params, timeout=30.0, keep=None):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.perf_counter() + timeout
        while True:
            at, msg = self.next_message(deadline)
            if msg is None:
                raise ServerGone(f"{self.name}: no answer to {method} within {timeout} s")
            if msg.get("id") == rid:
                return msg
            if keep is not None:
                keep.append((at, msg))

    def notify(self, method, params):
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self):
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


def cpu_seconds(pid):
    """User + system CPU time of a process and its threads so far (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def memory_mb(pid):
    """The process's resident memory now and at its peak (MB), from /proc (Linux)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def indexed_line(stderr_path):
    """Our server's "indexed N files in T" log line, once written."""
    try:
        with open(stderr_path, errors="replace") as f:
            for line in f:
                if "indexed " in line and " files in " in line:
                    return line.strip()[-80:]
    except OSError:
        pass
    return None


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def edit_site(text, mode):
    """(line, utf-16 column) of the keystroke: inside a function body, at or after the middle;
    for `line-end`, the end of the middle line (the first non-blank one from the middle), where
    issue #22's tool types, whatever that line is."""
    lines = text.split("\n")
    if mode == "line-end":
        for i in range(len(lines) // 2, len(lines)):
            if lines[i].strip():
                return i, utf16_len(lines[i]), lines[i]
        raise SystemExit("no non-blank line after the middle of the file")
    for i in range(len(lines) // 2, len(lines)):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if indent == 0 or not line.strip():
            continue
        if mode == "comment":
            if not line.lstrip().startswith("# "):
                continue
            col = indent + 2  # type at the start of the comment's text
        else:
            m = re.match(r"(\s+)([a-z_][a-z0-9_]*) = ", line)
            if not m:
                continue
            col = len(m.group(1)) + len(m.group(2))  # append to the variable's name
        # In a function body: the nearest line above with less indent opens a def.
        for j in range(i - 1, -1, -1):
            above = lines[j]
            if above.strip() and len(above) - len(above.lstrip()) < indent:
                if re.match(r"\s*(async\s+)?def ", above):
                    return i, utf16_len(line[:col]), line
                break
    raise SystemExit(f"no {mode} inside a function body after the middle of the file")


class Session:
    """One server through one measurement: start(), open(), keystroke(k) for each k, finish().
    Every step records into `result`; after a ServerGone the remaining steps do nothing."""

    def __init__(self, name, command, path, timeout, mode, root=None, settle=0.0):
        self.name, self.command, self.timeout, self.mode = name, command, timeout, mode
        self.text = open(path, encoding="utf-8").read()
        abspath = os.path.abspath(path)
        self.uri = "file://" + abspath
        self.root = os.path.abspath(root) if root else os.path.dirname(abspath)
        self.settle = settle
        self.result = {"server": name, "command": command, "samples_ms": [], "failures": 0,
                       "versionless": 0, "stale_publishes": 0, "extra_publishes": 0,
                       "other_uri_publishes": 0, "open_ms": None, "diagnostics": None,
                       "error": None}
        self.server = None
        self.last = None
        self.version = 1
        self.answered = {1}
        self.dead = False

    def _guard(self, step, *args):
        if self.dead:
            return
        try:
            step(*args)
        except ServerGone as e:
            self.result["error"] = str(e)
            self.dead = True
            if self.server:
                self.server.proc.kill()

    def start(self):
        try:
            self.server = Server(self.name, self.command, self.root)
        except OSError as e:
            self.result["error"] = f"{self.name}: cannot start {self.command!r}: {e}"
            self.dead = True
            return
        self._guard(self._initialize)

    def _initialize(self):
        root, result = self.root, self.result
        init = self.server.request("initialize", {
            "processId": os.getpid(),
            "clientInfo": {"name": "lsp_latency.py", "version": "1"},
            "rootUri": "file://" + root,
            "rootPath": root,
            "workspaceFolders": [{"uri": "file://" + root, "name": os.path.basename(root) or "root"}],
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "textDocument": {
                    "synchronization": {"didSave": False, "dynamicRegistration": False},
                    "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
                },
                "workspace": {"configuration": True, "workspaceFolders": True},
                "window": {"workDoneProgress": True},
            },
        })
        if "error" in init:
            raise ServerGone(f"{self.name}: initialize failed: {init['error']}")
        caps = init["result"].get("capabilities", {})
        result["server_info"] = init["result"].get("serverInfo")
        result["position_encoding"] = caps.get("positionEncoding", "utf-16 (default)")
        sync = caps.get("textDocumentSync")
        kind = sync.get("change") if isinstance(sync, dict) else sync
        result["text_document_sync"] = {0: "none", 1: "full", 2: "incremental"}.get(kind, kind)
        self.server.notify("initialized", {})

    def open(self):
        self._guard(self._open)

    def _open(self):
        server, uri = self.server, self.uri
        sent = server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": self.text}})
        deadline = sent + max(self.timeout, 30.0)
        while self.last is None:
            at, msg = server.next_message(deadline)
            if msg is None:
                raise ServerGone(f"{self.name}: no publishDiagnostics within "
                                 f"{deadline - sent:.0f} s of didOpen")
            if msg.get("method") == "textDocument/publishDiagnostics":
                p = msg["params"]
                if p.get("uri") == uri and p.get("version") in (1, None):
                    self.last = p
                    self.result["open_ms"] = (at - sent) * 1000
                    self.result["open_version"] = p.get("version")
        self.cpu_after_open = cpu_seconds(self.server.proc.pid)
        line, col, line_text = edit_site(self.text, self.mode)
        self.site = (line, col)
        self.result["edit"] = {"mode": self.mode, "line": line + 1, "character": col,
                               "text": line_text.strip()}

    def _count_leftovers(self, msg):
        if msg and msg.get("method") == "textDocument/publishDiagnostics":
            v = msg["params"].get("version")
            if msg["params"].get("uri") != self.uri:
                self.result["other_uri_publishes"] += 1
            elif v in self.answered or v is None:
                self.result["extra_publishes"] += 1
            else:
                self.result["stale_publishes"] += 1

    def keystroke(self, k, measured):
        self._guard(self._keystroke, k, measured)

    def _keystroke(self, k, measured):
        server, uri, result = self.server, self.uri, self.result
        # Publishes that arrived after the previous answer: duplicates, or late ones.
        while server.pending:
            self._count_leftovers(server.next_message(time.perf_counter())[1])
        self.version += 1
        version = self.version
        line, col = self.site
        pos = {"line": line, "character": col}
        if k % 2 == 0:
            typed = " " if self.mode == "line-end" else "x"
            change = {"range": {"start": pos, "end": pos}, "rangeLength": 0, "text": typed}
        else:
            end = {"line": line, "character": col + 1}
            change = {"range": {"start": pos, "end": end}, "rangeLength": 1, "text": ""}
        params = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        sent = server.notify("textDocument/didChange", params)
        deadline = sent + self.timeout
        while True:
            at, msg = server.next_message(deadline)
            if msg is None:
                result["failures"] += 1
                print(f"  {self.name}: keystroke {k + 1} (version {version}) timed out after "
                      f"{self.timeout} s", file=sys.stderr)
                return
            if msg.get("method") != "textDocument/publishDiagnostics":
                continue
            p = msg["params"]
            if p.get("uri") != uri:
                result["other_uri_publishes"] += 1
                continue
            v = p.get("version")
            if v == version or v is None:
                if v is None:
                    result["versionless"] += 1
                break
            if v in self.answered:
                result["extra_publishes"] += 1
            else:
                result["stale_publishes"] += 1
        self.answered.add(version)
        self.last = p
        if measured:
            result["samples_ms"].append((at - sent) * 1000)

    def finish(self):
        # One more look for duplicates of the last answer.
        def linger():
            end = time.perf_counter() + 0.2
            while True:
                _, msg = self.server.next_message(end)
                if msg is None:
                    return
                self._count_leftovers(msg)
        self._guard(linger)
        if self.settle and self.server and not self.dead:
            # Wait (up to --settle seconds) for the server to say it indexed the workspace
            # (our server logs "indexed N files in T" on stderr), then read its memory.
            end = time.perf_counter() + self.settle
            while time.perf_counter() < end:
                line = indexed_line(self.server.stderr.name)
                if line:
                    self.result["indexed"] = line
                    break
                self._guard(lambda: self._count_leftovers(
                    self.server.next_message(time.perf_counter() + 0.1)[1]))
        if self.server and not self.dead:
            self.result.update(memory_mb(self.server.proc.pid))
        cpu = cpu_seconds(self.server.proc.pid) if self.server and not self.dead else None
        done = len(self.answered) - 1
        if cpu is not None and getattr(self, "cpu_after_open", None) is not None and done:
            # Server CPU (all threads) per answered keystroke, warm-up included, linger too.
            self.result["cpu_ms_per_keystroke"] = (cpu - self.cpu_after_open) * 1000 / done
        if self.last is not None:
            self.result["diagnostics"] = len(self.last.get("diagnostics", []))
        if self.server:
            self.result["requests_from_server"] = dict(self.server.requests_answered)
            self.server.close()
            self.result["stderr_log"] = self.server.stderr.name
        return self.result


def measure(servers, path, keystrokes, warmup, timeout, mode, interleave, root=None, settle=0.0):
    """Results for [(name, command)]: one server after the other, or with --interleave all
    started together and keystroke k sent to each in turn (servers idle while others work)."""
    sessions = [Session(name, command, path, timeout, mode, root, settle) for name, command in servers]
    groups = [sessions] if interleave else [[s] for s in sessions]
    for group in groups:
        for s in group:
            print(f"  {s.name}: {s.command}", file=sys.stderr)
            s.start()
            s.open()
        for k in range(warmup + keystrokes):
            for s in group:
                s.keystroke(k, k >= warmup)
        for s in group:
            s.finish()
    return [s.result for s in sessions]


def merge(rounds):
    """One result from several rounds of the same server: samples pooled, counts added."""
    if len(rounds) == 1:
        return rounds[0]
    r = dict(rounds[-1])
    r["samples_ms"] = [x for one in rounds for x in one["samples_ms"]]
    for key in ("failures", "versionless", "stale_publishes", "extra_publishes", "other_uri_publishes"):
        r[key] = sum(one[key] for one in rounds)
    opens = [one["open_ms"] for one in rounds if one["open_ms"] is not None]
    r["open_ms"] = statistics.median(opens) if opens else None
    cpus = [one["cpu_ms_per_keystroke"] for one in rounds if one.get("cpu_ms_per_keystroke") is not None]
    r["cpu_ms_per_keystroke"] = statistics.median(cpus) if cpus else None
    r["error"] = next((one["error"] for one in rounds if one["error"]), None)
    r["rounds"] = [{k: v for k, v in one.items() if k in (
        "samples_ms", "failures", "open_ms", "diagnostics", "error")} for one in rounds]
    for one in r["rounds"]:
        if one["samples_ms"]:
            one["median"] = statistics.median(one["samples_ms"])
    return r


def quantile(xs, q):
    """Linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(xs)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary(samples):
    return {"median": statistics.median(samples), "p90": quantile(samples, 0.90),
            "p99": quantile(samples, 0.99), "min": min(samples), "max": max(samples),
            "mean": statistics.fmean(samples)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", required=True, help="Python file to open (see gen_python.py)")
    ap.add_argument("--server", action="append", required=True, metavar="NAME=COMMAND",
                    help="server to measure; repeatable, measured in order")
    ap.add_argument("--keystrokes", type=int, default=200, help="measured keystrokes (default 200)")
    ap.add_argument("--warmup", type=int, default=10, help="unmeasured keystrokes first (default 10)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per keystroke (default 10)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="start every server this many times, alternating the order; samples "
                         "are pooled (default 1)")
    ap.add_argument("--interleave", action="store_true",
                    help="run the servers side by side and send keystroke k to each in turn, so "
                         "that they share the machine's moments of noise (default: one after "
                         "the other)")
    ap.add_argument("--edit", choices=["comment", "identifier", "line-end"], default="comment",
                    help="type into a comment (default), onto a local variable's name, or a "
                         "space at the end of the middle line (issue #22's keystroke)")
    ap.add_argument("--json", metavar="OUT", help="write every sample and detail here")
    ap.add_argument("--root", metavar="DIR",
                    help="workspace root sent in initialize (default: the file's directory); a "
                         "large root measures opening and typing while the server indexes it")
    ap.add_argument("--settle", type=float, default=0.0, metavar="S",
                    help="after the keystrokes, wait up to S seconds for the server's "
                         "\"indexed N files\" log line before reading its memory")
    args = ap.parse_args()

    with open(args.file, encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    servers = []
    for spec in args.server:
        name, sep, command = spec.partition("=")
        if not sep or not command.strip():
            ap.error(f"--server wants NAME=COMMAND, got {spec!r}")
        servers.append((name, command))
    runs = {name: [] for name, _ in servers}
    for rnd in range(args.rounds):
        # Alternate the order between rounds so neither server always goes first.
        order = servers if rnd % 2 == 0 else servers[::-1]
        print(f"round {rnd + 1}/{args.rounds}" + (" (interleaved)" if args.interleave else ""),
              file=sys.stderr)
        for r in measure(order, args.file, args.keystrokes, args.warmup, args.timeout,
                         args.edit, args.interleave, args.root, args.settle):
            runs[r["server"]].append(r)
    results = [merge(runs[name]) for name, _ in servers]

    edit = next((r["edit"] for r in results if r.get("edit")), None)
    rounds = f" x {args.rounds} rounds" if args.rounds > 1 else ""
    rounds += ", interleaved" if args.interleave else ""
    print(f"{args.file}: {lines} lines; {args.keystrokes} keystrokes after {args.warmup} warm-up{rounds}")
    if edit:
        print(f"edit: {edit['mode']} at line {edit['line']}, character {edit['character']}: {edit['text']}")
    print(f"{'server':<20} {'median':>8} {'p90':>8} {'p99':>8} {'min':>8} {'max':>8} "
          f"{'open':>8} {'cpu/key':>8} {'diags':>6} {'fail':>5}   (ms)")
    for r in results:
        s = r["samples_ms"]
        if r["error"] and not s:
            print(f"{r['server']:<20} ERROR: {r['error']} (stderr: {r.get('stderr_log')})")
            continue
        if not s:
            print(f"{r['server']:<20} no samples: {r['failures']} keystrokes timed out")
            continue
        r["summary"] = summary(s)
        m = r["summary"]
        open_ms = f"{r['open_ms']:8.1f}" if r["open_ms"] is not None else f"{'-':>8}"
        diags = "-" if r["diagnostics"] is None else r["diagnostics"]
        cpu = r.get("cpu_ms_per_keystroke")
        cpu = f"{cpu:8.2f}" if cpu is not None else f"{'-':>8}"
        print(f"{r['server']:<20} {m['median']:8.2f} {m['p90']:8.2f} {m['p99']:8.2f} {m['min']:8.2f} "
              f"{m['max']:8.2f} {open_ms} {cpu} {diags:>6} {r['failures']:>5}")
    for r in results:
        notes = []
        if r.get("server_info"):
            notes.append("serverInfo " + " ".join(str(v) for v in r["server_info"].values()))
        if r.get("text_document_sync") not in (None, "incremental"):
            notes.append(f"textDocumentSync is {r['text_document_sync']}, yet was sent incremental changes")
        if r.get("rounds"):
            notes.append("round medians " + ", ".join(
                f"{one['median']:.2f}" for one in r["rounds"] if "median" in one))
        if r["versionless"]:
            notes.append(f"{r['versionless']} publishes had no version: timed to the first publish after the change")
        if r["stale_publishes"]:
            notes.append(f"{r['stale_publishes']} publishes for older versions ignored")
        if r["extra_publishes"]:
            notes.append(f"{r['extra_publishes']} extra publishes after an answer")
        if r["failures"]:
            notes.append(f"{r['failures']} keystrokes timed out ({args.timeout} s)")
        if r.get("rss_mb") is not None:
            notes.append(f"memory at the end {r['rss_mb']:.0f} MB, peak {r.get('peak_rss_mb', 0):.0f} MB")
        if r.get("indexed"):
            notes.append(f"log: {r['indexed']}")
        if r["error"]:
            notes.append(f"error: {r['error']} (stderr: {r.get('stderr_log')})")
        if notes:
            print(f"  {r['server']}: " + "; ".join(notes))
    ok = [r for r in results if r.get("summary")]
    comparable = [r for r in ok if not r["error"]]
    if len(comparable) > 1:
        base = comparable[0]
        for r in comparable[1:]:
            ratio = r["summary"]["median"] / base["summary"]["median"]
            print(f"median ratio {r['server']} / {base['server']}: {ratio:.2f}x")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"file": os.path.abspath(args.file), "lines": lines,
                       "keystrokes": args.keystrokes, "warmup": args.warmup,
                       "timeout_s": args.timeout, "rounds": args.rounds, "edit": args.edit,
                       "interleave": args.interleave,
                       "results": results}, f, indent=1)
    sys.exit(0 if ok and all(not r["failures"] and not r["error"] for r in results) else 1)


if __name__ == "__main__":
    main()
