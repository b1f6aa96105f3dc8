#!/usr/bin/env python3
"""Soak test for scrape: many URLs with injected faults, one long run.

Starts tests/testserver on 127.0.0.1, writes N URLs (about 95% that
answer 200 at once, the rest faults: 503 then 200, a permanent 503, a TCP
reset on the raw port, a delay past the timeout), runs scrape over them
with -c C -r 1 --retry-delay 0.01 -t 1 --report FILE, and while it runs
samples the scrape process every 100 ms: its open descriptors
(/proc/PID/fd) and its resident size (VmRSS in /proc/PID/status), keyed
by how many result lines have arrived so far.

Then it asserts:
  * exactly one result line per input URL (each URL exactly once, no
    stray URL, every line a JSON object with the contract's fields),
    and the expected final outcome of each URL's class (ok or error
    kind, status, attempts);
  * the --report document agrees with the lines: total, ok, failed,
    retries, errors by kind, and the failures list (same URLs, kinds,
    statuses, attempts); the totals line on standard error too;
  * the exit status (1 when some URL is meant to fail);
  * descriptors: at most C + --fd-slack at any sample, and the maximum
    over the last tenth of the URLs no higher than over the first tenth
    plus --fd-growth;
  * memory: the largest VmRSS sampled while the last tenth of the URLs
    finished (until exit) is at most --rss-ratio times the largest over
    the first tenth, plus --rss-slack-kb;
  * the test server: still running, counted one request per attempt,
    idle again afterwards, and exits cleanly on SIGTERM.

With --hosts N the URLs are spread over N host names, URL i on
h<i mod N>.localhost (libcurl resolves every *.localhost name to
127.0.0.1 itself, so these are N distinct hosts for scrape, all served by
the one test server, raw port included), and --scrape-args adds scrape
options such as "--per-host 4 --adaptive --breaker 20/5". Then also:
  * circuit_open only where the breaker could legitimately open: a host
    whose URLs cannot make N failed attempts in all (see breaker_risk)
    must never open, and a URL of a host that could ends as its class
    says or as circuit_open, the latter only if the report names the
    host as opened;
  * the report's hosts array: only our hosts; circuit_open_urls equal to
    the host's circuit_open lines; with --adaptive, a lowest_limit below
    the start for exactly the hosts that saw a 503 or a timeout (the
    classes that push back), and none without it;
  * per host, from the test server (which tells hosts apart by the Host
    header): one HTTP request per HTTP attempt of the host's URLs, and,
    with --per-host K, never more than K of them in flight at once.

Only the Python 3 standard library is used. Every child is stopped by
PID, every wait is bounded. Exit status: 0 PASS, 1 FAIL, 2 usage or
setup error. The work directory (URLs, lines, report, stderr, samples)
is removed on PASS and kept, with its path printed, on FAIL.
"""

import argparse
import collections
import json
import os
import random
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

# URL classes: name -> share of the URLs (the rest is "ok").
FAULTS = (
    ("flaky", 0.015),     # /flaky/k<i>/1: 503 once, then 200
    ("http503", 0.005),   # /status/503/<i>: 503 on every attempt
    ("reset", 0.015),     # raw /reset/<i>: RST right after the request
    ("timeout", 0.015),   # /delay/3000/<i> with -t 1: never in time
)

# What each class must end as with -r 1: (ok, kind, status, attempts).
EXPECT = {
    "ok": (True, None, 200, 1),
    "flaky": (True, None, 200, 2),
    "http503": (False, "http", 503, 2),
    "reset": (False, "reset", None, 2),
    "timeout": (False, "timeout", None, 2),
}

LINE_FIELDS = ("url", "ok", "status", "attempts", "elapsed_ms", "bytes",
               "final_url", "content_type", "error")


def log(msg):
    print("soak: " + msg, flush=True)


class Fail(Exception):
    pass


def parse_args():
    p = argparse.ArgumentParser(description="scrape soak test")
    p.add_argument("--scrape", required=True, help="the scrape binary")
    p.add_argument("--testserver", required=True,
                   help="the tests/testserver binary")
    p.add_argument("--urls", type=int, default=200000,
                   help="how many URLs (default 200000)")
    p.add_argument("--concurrency", type=int, default=256,
                   help="scrape -c (default 256)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed of the fault placement (default 1)")
    p.add_argument("--timeout", type=float, default=0,
                   help="limit on the scrape run in seconds "
                        "(default 120 + N/200)")
    p.add_argument("--interval", type=float, default=0.1,
                   help="sampling interval in seconds (default 0.1)")
    p.add_argument("--fd-slack", type=int, default=32,
                   help="descriptors allowed beyond C (default 32)")
    p.add_argument("--jobs", type=int, default=1,
                   help="scrape -j (default 1); each loop keeps up to C "
                        "connections of its own, so the descriptor limit "
                        "is jobs * (C + fd-slack/2) + fd-slack/2")
    p.add_argument("--fd-growth", type=int, default=8,
                   help="last-tenth fd max over first-tenth max "
                        "(default 8; 32 more for each loop of --jobs "
                        "beyond the first)")
    p.add_argument("--rss-ratio", type=float, default=1.2,
                   help="last-tenth RSS max / first-tenth max (1.2)")
    p.add_argument("--rss-slack-kb", type=int, default=2048,
                   help="plus this many KiB (default 2048)")
    p.add_argument("--hosts", type=int, default=0,
                   help="spread the URLs over this many host names "
                        "h<i>.localhost, URL i on host i mod N (default "
                        "0: every URL on 127.0.0.1)")
    p.add_argument("--scrape-args", default="",
                   help="more scrape options, one shell-quoted string "
                        "(e.g. \"--per-host 4 --adaptive --breaker 20/5\")")
    p.add_argument("--inflight-slack", type=int, default=0,
                   help="with --per-host K, a host's requests the test "
                        "server may see in flight beyond K (default 0)")
    p.add_argument("--workdir", default=None,
                   help="work directory (default: a new one in $TMPDIR)")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory even on PASS")
    a = p.parse_args()
    if a.urls < 1 or a.concurrency < 1 or a.interval <= 0:
        p.error("--urls, --concurrency and --interval must be positive")
    if a.hosts < 0:
        p.error("--hosts must be 0 or more")
    try:
        a.extra = shlex.split(a.scrape_args)
    except ValueError as e:
        p.error("--scrape-args: %s" % e)
    a.per_host = a.breaker = None
    a.adaptive = False
    it = iter(a.extra)
    for opt in it:
        name, eq, val = opt.partition("=")
        if name in ("--per-host", "--breaker") and not eq:
            val = next(it, "")
        try:
            if name == "--per-host":
                a.per_host = int(val)
            elif name == "--breaker":
                a.breaker = int(val.split("/")[0])
        except ValueError:
            p.error("--scrape-args: bad %s %r" % (name, val))
        if opt == "--adaptive":
            a.adaptive = True
    if a.timeout <= 0:
        a.timeout = 120 + a.urls / 200.0
    return a


def child_env():
    """The environment for children: no proxy, ever."""
    env = dict(os.environ)
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
              "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    env["NO_PROXY"] = env["no_proxy"] = "*"
    return env


def stop(proc, name, grace=5.0):
    """SIGTERM proc (by PID), wait up to grace s, then SIGKILL.
    Returns its exit status (negative: killed by that signal)."""
    if proc is None:
        return 0
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log("%s (pid %d) ignored SIGTERM for %.0f s: SIGKILL"
                % (name, proc.pid, grace))
            proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


def read_first_line(f, timeout):
    """Read one line from pipe f within timeout seconds, or None."""
    fd = f.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            return None
        data += chunk
    return data.split(b"\n", 1)[0].decode("ascii", "replace")


def proc_sample(pid):
    """(open descriptors, VmRSS KiB, VmHWM KiB) of pid, or None if gone."""
    try:
        nfd = len(os.listdir("/proc/%d/fd" % pid))
        rss = hwm = None
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        if rss is None:       # a zombie has no VmRSS line
            return None
        return nfd, rss, hwm
    except (OSError, ValueError):
        return None


def host_name(i, nhosts):
    """The host of URL i: 127.0.0.1, or h<i mod N>.localhost."""
    return "h%d.localhost" % (i % nhosts) if nhosts else "127.0.0.1"


def make_urls(path, n, seed, http_port, raw_port, nhosts=0):
    """Write n URLs to path; return ({url: class}, {url: host}).
    The classes do not depend on nhosts: the same seed places the same
    faults at the same indexes whatever the hosts."""
    rnd = random.Random(seed)
    classes = {}
    hosts = {}
    with open(path, "w") as f:
        f.write("# scrape soak: %d URLs, seed %d, %d hosts\n"
                % (n, seed, nhosts))
        for i in range(n):
            host = host_name(i, nhosts)
            http = "http://%s:%d" % (host, http_port)
            raw = "http://%s:%d" % (host, raw_port)
            x = rnd.random()
            cls = "ok"
            for name, share in FAULTS:
                if x < share:
                    cls = name
                    break
                x -= share
            if cls == "ok":
                url = "%s/%s/%d" % (http, "ok" if i % 2 else "p", i)
            elif cls == "flaky":
                url = "%s/flaky/k%d/1" % (http, i)
            elif cls == "http503":
                url = "%s/status/503/%d" % (http, i)
            elif cls == "reset":
                url = "%s/reset/%d" % (raw, i)
            else:
                url = "%s/delay/3000/%d" % (http, i)
            classes[url] = cls
            hosts[url] = host
            f.write(url + "\n")
    return classes, hosts


# Failed attempts (for --breaker: a transport failure or a 408, 429,
# 5xx status) each class makes with -r 1, and whether it pushes back
# (for --adaptive: a 429 or 503, or a timeout).
FAILED_ATTEMPTS = {"ok": 0, "flaky": 1, "http503": 2, "reset": 2,
                   "timeout": 2}
PUSHES_BACK = {"flaky", "http503", "timeout"}


def breaker_risk(classes, hosts, threshold):
    """The hosts whose circuit may legitimately open under --breaker
    THRESHOLD: {host: failed attempts its URLs make in all}.

    A circuit opens after THRESHOLD failed attempts in a row on one host,
    so a host whose URLs make fewer than THRESHOLD failed attempts in all
    can never open, whatever the order they finish in. With -r 1 a URL
    makes at most 2 (FAILED_ATTEMPTS); with ~5% faults the failed attempts
    of a host of m URLs add up to 0.085 m on average, and the chance that
    one host reaches 20 is (exact convolution of the per-URL law):
        m = 20:  4.8e-10    m = 25: 8.0e-9    m = 50: 1.5e-5
        m = 100: 6.2e-3     m = 200: 0.31
    so with 20 URLs a host (e.g. 100000 URLs over 5000 hosts) every run
    has all hosts safe with probability 1 - 2.4e-6, and the check is
    exact: no circuit_open at all. Reaching THRESHOLD in all is not yet
    THRESHOLD in a row (any success in between resets the count), so a
    host listed here still almost never opens; if it does, its URLs may
    end circuit_open, and the report must say so."""
    if not threshold:
        return {}
    failed = collections.Counter()
    for url, cls in classes.items():
        failed[hosts[url]] += FAILED_ATTEMPTS[cls]
    return {h: k for h, k in failed.items() if k >= threshold}


def server_stats(port, path="/stats"):
    """GET path (/stats, /stats/host/NAME) from the test server (no
    proxy, 10 s limit)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open("http://127.0.0.1:%d%s" % (port, path),
                     timeout=10) as r:
        return json.loads(r.read().decode())


def fd_growth(a):
    """How far the descriptors of the last tenth may exceed the first's:
    --fd-growth at -j 1.  Each loop more keeps up to C/jobs idle
    connections of its own beyond those in use (loop_share_connections),
    and how many it holds moves with how the transfers fall among its
    multi handles, so each may move the maximum by 32 more."""
    return a.fd_growth + (a.jobs - 1) * 32


def fd_limit(a):
    """Descriptors scrape may hold: C and fd-slack at -j 1; each loop of
    -j N has connections and descriptors of its own."""
    return a.jobs * (a.concurrency + a.fd_slack // 2) + a.fd_slack // 2


def run_scrape(a, urlfile, workdir):
    """Run scrape over urlfile, sampling it. Returns a dict of results."""
    out_path = os.path.join(workdir, "lines.jsonl")
    err_path = os.path.join(workdir, "stderr.txt")
    rep_path = os.path.join(workdir, "report.json")
    argv = [a.scrape, "-c", str(a.concurrency), "-j", str(a.jobs), "-r", "1",
            "--retry-delay", "0.01", "-t", "1", "--no-progress",
            "--report", rep_path] + a.extra + [urlfile]
    log("running: " + " ".join(argv))
    samples = []            # (t, done, nfd, rss_kb)
    done = 0
    hwm = None
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=err,
                                env=child_env())
        try:
            fd = proc.stdout.fileno()
            deadline = t0 + a.timeout
            next_sample = t0
            last_progress = t0
            eof = False
            while True:
                now = time.monotonic()
                if now >= next_sample:
                    s = proc_sample(proc.pid)
                    if s is not None:
                        samples.append((now - t0, done, s[0], s[1]))
                        hwm = s[2]
                    next_sample = now + a.interval
                if now - last_progress >= 10:
                    log("  %.0f s: %d/%d lines" % (now - t0, done, a.urls))
                    last_progress = now
                if eof:
                    # Output closed: keep sampling until the process ends
                    # (summary and report are written meanwhile).
                    try:
                        proc.wait(timeout=max(0.0, next_sample
                                              - time.monotonic()))
                        break
                    except subprocess.TimeoutExpired:
                        pass
                else:
                    wait = max(0.0, next_sample - time.monotonic())
                    r, _, _ = select.select([fd], [], [], wait)
                    if r:
                        chunk = os.read(fd, 1 << 16)
                        if not chunk:
                            eof = True
                        else:
                            out.write(chunk)
                            done += chunk.count(b"\n")
                if time.monotonic() >= deadline:
                    timed_out = True
                    log("scrape still running after %.0f s: stopping it"
                        % a.timeout)
                    break
        finally:
            status = stop(proc, "scrape")
            proc.stdout.close()
        wall = time.monotonic() - t0
    return {"status": status, "wall": wall, "samples": samples,
            "timed_out": timed_out, "done": done, "hwm_kb": hwm,
            "out": out_path, "err": err_path, "report": rep_path}


def check_lines(path, classes, problems, may_open=lambda url: False):
    """Check the result lines; return the per-URL results and counts.
    A URL for which may_open(url) holds may also end circuit_open, after
    no more attempts than its class makes."""
    seen = {}
    bad_json = 0
    dup = collections.Counter()
    stray = []
    wrong = collections.defaultdict(list)
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            try:
                obj = json.loads(raw.decode("utf-8"))
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
                missing = [k for k in LINE_FIELDS if k not in obj]
                if missing:
                    raise ValueError("missing " + ",".join(missing))
            except (ValueError, UnicodeDecodeError) as e:
                bad_json += 1
                if bad_json <= 5:
                    problems.append("line %d is not a valid result (%s): %r"
                                    % (lineno, e, raw[:200]))
                continue
            url = obj["url"]
            if url not in classes:
                stray.append(url)
                continue
            if url in seen:
                dup[url] += 1
                continue
            seen[url] = obj
            # The contract's own invariants.
            err = obj["error"]
            if (err is None) != (obj["ok"] is True):
                wrong["ok/error"].append(url)
            elif err is not None and not (isinstance(err, dict)
                                          and isinstance(err.get("kind"),
                                                         str)):
                wrong["error shape"].append(url)
            # The class's expected outcome.
            cls = classes[url]
            e_ok, e_kind, e_status, e_att = EXPECT[cls]
            got = (obj["ok"], err.get("kind") if isinstance(err, dict)
                   else None, obj["status"], obj["attempts"])
            if got != (e_ok, e_kind, e_status, e_att) and not (
                    got[0] is False and got[1] == "circuit_open"
                    and isinstance(got[3], int) and 0 <= got[3] <= e_att
                    and may_open(url)):
                wrong[cls].append("%s: got ok=%s kind=%s status=%s "
                                  "attempts=%s" % ((url,) + got))
    if bad_json:
        problems.append("%d lines are not valid result JSON" % bad_json)
    if stray:
        problems.append("%d lines for URLs not in the input, e.g. %r"
                        % (len(stray), stray[:3]))
    if dup:
        problems.append("%d URLs have more than one line, e.g. %r"
                        % (len(dup), list(dup)[:3]))
    missing = [u for u in classes if u not in seen]
    if missing:
        problems.append("%d URLs have no line, e.g. %r"
                        % (len(missing), missing[:3]))
    for what, items in sorted(wrong.items()):
        problems.append("%d %s URLs did not end as expected %s, e.g.:\n    %s"
                        % (len(items), what, EXPECT.get(what, ""),
                           "\n    ".join(items[:3])))
    return seen


def check_report(rep_path, err_path, seen, problems):
    """The --report document and the stderr totals against the lines."""
    lines = list(seen.values())
    n_ok = sum(1 for o in lines if o["ok"] is True)
    failed = [o for o in lines if o["ok"] is not True]
    kinds = collections.Counter(o["error"]["kind"] for o in failed
                                if isinstance(o["error"], dict))
    retries = sum(max(0, o["attempts"] - 1) for o in lines
                  if isinstance(o["attempts"], int))
    mine = {"total": len(lines), "ok": n_ok, "failed": len(failed),
            "retries": retries}
    try:
        with open(rep_path, "rb") as f:
            rep = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        problems.append("--report document unreadable: %s" % e)
        return mine, kinds
    for k, v in mine.items():
        if rep.get(k) != v:
            problems.append("report %s = %r, the lines say %r"
                            % (k, rep.get(k), v))
    if dict(rep.get("errors") or {}) != dict(kinds):
        problems.append("report errors = %r, the lines say %r"
                        % (rep.get("errors"), dict(kinds)))
    fl = rep.get("failures")
    if not isinstance(fl, list):
        problems.append("report failures is not a list")
    else:
        by_url = {o["url"]: o for o in failed}
        urls = [x.get("url") for x in fl if isinstance(x, dict)]
        if len(fl) != len(failed) or set(urls) != set(by_url):
            problems.append("report failures: %d entries (%d distinct), "
                            "the lines have %d failed URLs"
                            % (len(fl), len(set(urls)), len(failed)))
        bad = []
        for x in fl:
            o = by_url.get(x.get("url")) if isinstance(x, dict) else None
            if o is None:
                continue
            if (x.get("kind"), x.get("status"), x.get("attempts")) != \
                    (o["error"]["kind"], o["status"], o["attempts"]):
                bad.append(x.get("url"))
        if bad:
            problems.append("%d report failures disagree with their lines "
                            "(kind/status/attempts), e.g. %r"
                            % (len(bad), bad[:3]))
    # The totals line on standard error.
    try:
        with open(err_path, "rb") as f:
            tail = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        tail = []
    m = None
    for line in reversed(tail[-5:]):
        m = re.search(r"scraped (\d+) URLs\b.*?(\d+) ok, (\d+) failed", line)
        if m:
            break
    if m is None:
        problems.append("no 'scraped N URLs ... X ok, Y failed' line on "
                        "standard error")
    elif tuple(int(x) for x in m.groups()) != (len(lines), n_ok,
                                               len(failed)):
        problems.append("stderr totals %r, the lines say %r"
                        % (m.group(0), (len(lines), n_ok, len(failed))))
    return mine, kinds


def report_hosts(rep_path):
    """The --report document's hosts array, or None."""
    try:
        with open(rep_path, "rb") as f:
            h = json.loads(f.read().decode("utf-8")).get("hosts")
    except (OSError, ValueError, AttributeError):
        return None
    return h if isinstance(h, list) else None


def check_hosts(a, rep_hosts, classes, hosts, seen, risky, problems):
    """The report's hosts array against the URL classes and the lines."""
    if rep_hosts is None:
        problems.append("the --report document has no hosts array (the "
                        "host options are on)")
        return
    ours = set(hosts.values())
    opened_lines = collections.Counter(
        hosts[u] for u, o in seen.items()
        if isinstance(o["error"], dict)
        and o["error"].get("kind") == "circuit_open")
    named = {}
    for e in rep_hosts:
        h = e.get("host") if isinstance(e, dict) else None
        if h not in ours:
            problems.append("report hosts names %r, not one of ours" % (e,))
            continue
        if h in named:
            problems.append("report hosts names %s twice" % h)
        named[h] = e
    start = a.per_host or a.concurrency
    bad = collections.defaultdict(list)
    for h, e in named.items():
        if e.get("circuit_open_urls") != opened_lines.get(h, 0):
            bad["circuit_open_urls"].append(
                "%s: report %r, lines %d" % (h, e.get("circuit_open_urls"),
                                             opened_lines.get(h, 0)))
        if e.get("circuit_opened") and h not in risky:
            bad["opened though it could not"].append(
                "%s: circuit_opened %r" % (h, e.get("circuit_opened")))
        low = e.get("lowest_limit")
        if low is not None and not (a.adaptive and isinstance(low, int)
                                    and 1 <= low <= start // 2):
            bad["lowest_limit"].append("%s: %r (start %d)" % (h, low,
                                                              start))
    for h, k in opened_lines.items():
        if h not in named:
            bad["circuit_open lines, not in the report"].append(
                "%s: %d URLs" % (h, k))
    if a.adaptive:
        # The first pushback always halves the limit (nothing was cut
        # before it), and nothing else ever does; a host whose circuit
        # opened may have had its 503s and timeouts end circuit_open
        # before their attempt, so it is left out.
        pushed = {hosts[u] for u, c in classes.items() if c in PUSHES_BACK}
        cut = {h for h, e in named.items()
               if e.get("lowest_limit") is not None}
        opened = {h for h, e in named.items() if e.get("circuit_opened")}
        for h in sorted((pushed ^ cut) - opened):
            bad["lowest_limit set iff a 503 or timeout"].append(
                "%s: lowest_limit %r, %s" % (
                    h, named.get(h, {}).get("lowest_limit"),
                    "pushed back" if h in pushed else "never pushed back"))
    for what, items in sorted(bad.items()):
        problems.append("report hosts, %s: %d hosts, e.g.:\n    %s"
                        % (what, len(items), "\n    ".join(items[:3])))


def check_server_hosts(a, port, hosts, seen, problems):
    """Per host, the test server's counters: one HTTP request per HTTP
    attempt (the raw port has no per-host counters), and with --per-host
    K at most K in flight (plus --inflight-slack). Returns the largest
    max_inflight of any host."""
    attempts = collections.Counter()
    for u, o in seen.items():
        if "/reset/" not in u and isinstance(o["attempts"], int):
            attempts[hosts[u]] += o["attempts"]
    worst = 0
    bad = collections.defaultdict(list)
    for h in sorted(set(hosts.values())):
        st = server_stats(port, "/stats/host/" + h)
        worst = max(worst, st["max_inflight"])
        if st["requests"] != attempts[h]:
            bad["requests"].append("%s: server %d, lines %d HTTP attempts"
                                   % (h, st["requests"], attempts[h]))
        if a.per_host and st["max_inflight"] > a.per_host + a.inflight_slack:
            bad["max_inflight over --per-host %d" % a.per_host].append(
                "%s: %d" % (h, st["max_inflight"]))
    for what, items in sorted(bad.items()):
        problems.append("test server per host, %s: %d hosts, e.g.:\n    %s"
                        % (what, len(items), "\n    ".join(items[:3])))
    return worst


def tenth_max(samples, n, which):
    """Max of field `which` (2 fds, 3 rss) over the first and last tenth
    of the URLs done (the last tenth runs until the process exits). The
    first tenth ends with the first sample past it: in a short run the
    whole first tenth may fall between the start and the next sample.

    With the host options, scrape holds up to --lookahead (10000) URLs
    read ahead in its host queues. That does not make the first tenth
    an unfair baseline: reading only pauses at the bound, so by the time
    the first n/10 URLs are done scrape has read min(n, n/10 + lookahead)
    and the queues are as full as they ever get; in the last tenth the
    input is at its end and they drain. State kept per host (the gate's
    hosts, libcurl's DNS cache, the summary's notes on hosts) is there in
    both tenths as long as every host has appeared in the first one,
    which the round-robin placement of --hosts N guarantees for
    N <= n/10 (main warns otherwise). So the same bound holds, unchanged:
    growth beyond it is memory that grows with the URLs done, a leak."""
    lo = []
    for s in samples:
        lo.append(s[which])
        if s[1] >= n // 10:
            break
    hi = [s[which] for s in samples if s[1] >= n - n // 10]
    return (max(lo) if lo else None), (max(hi) if hi else None)


def main():
    a = parse_args()
    for b in (a.scrape, a.testserver):
        if not os.access(b, os.X_OK):
            print("soak: %s is not an executable (build it first)" % b,
                  file=sys.stderr)
            return 2
    workdir = a.workdir or tempfile.mkdtemp(prefix="scrape-soak.")
    os.makedirs(workdir, exist_ok=True)
    problems = []
    server = None
    srv_err = open(os.path.join(workdir, "testserver.stderr"), "wb")
    try:
        # --max-seconds: the server's own safety net outlives our limit.
        server = subprocess.Popen(
            [a.testserver, "--max-seconds", str(int(a.timeout) + 120),
             "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=srv_err,
            env=child_env())
        first = read_first_line(server.stdout, 10)
        if first is None or len(first.split()) < 2:
            raise Fail("test server did not print its ports in 10 s "
                       "(got %r)" % first)
        # "HTTP_PORT RAW_PORT ...": more fields may follow (TLS port).
        http_port, raw_port = (int(x) for x in first.split()[:2])
        urlfile = os.path.join(workdir, "urls.txt")
        classes, hosts = make_urls(urlfile, a.urls, a.seed, http_port,
                                   raw_port, a.hosts)
        mix = collections.Counter(classes.values())
        log("%d URLs (%s), -c %d, test server on ports %d/%d, work dir %s"
            % (a.urls, ", ".join("%s %d" % kv for kv in sorted(mix.items())),
               a.concurrency, http_port, raw_port, workdir))
        if a.hosts > a.urls // 10:
            log("warning: %d hosts > a tenth of the URLs: some hosts first "
                "appear after the first tenth, so per-host state may "
                "legitimately grow past the RSS baseline" % a.hosts)
        risky = breaker_risk(classes, hosts, a.breaker)
        if a.hosts:
            log("%d hosts; %s" % (
                len(set(hosts.values())),
                "--breaker %d: %d hosts could open (%s)" % (
                    a.breaker, len(risky), ", ".join(
                        "%s %d failed attempts" % kv
                        for kv in sorted(risky.items())[:5]) or "none")
                if a.breaker else "no --breaker"))

        r = run_scrape(a, urlfile, workdir)
        if r["timed_out"]:
            problems.append("scrape did not finish within %.0f s "
                            "(%d of %d lines)" % (a.timeout, r["done"],
                                                  a.urls))
        want_status = 1 if any(not EXPECT[c][0] for c in mix) else 0
        if not r["timed_out"] and r["status"] != want_status:
            problems.append("scrape exit status %s, expected %d"
                            % (r["status"], want_status))

        host_opts = bool(a.per_host or a.breaker or a.adaptive)
        rep_hosts = report_hosts(r["report"]) if host_opts else None
        opened = {e.get("host") for e in rep_hosts or ()
                  if isinstance(e, dict) and e.get("circuit_opened")}
        seen = check_lines(r["out"], classes, problems,
                           lambda u: hosts[u] in risky and hosts[u] in opened)
        mine, kinds = check_report(r["report"], r["err"], seen, problems)
        if host_opts:
            check_hosts(a, rep_hosts, classes, hosts, seen, risky, problems)

        # Descriptors and memory.
        smp = r["samples"]
        with open(os.path.join(workdir, "samples.tsv"), "w") as f:
            f.write("t_s\tdone\tfds\trss_kb\n")
            for s in smp:
                f.write("%.2f\t%d\t%d\t%d\n" % s)
        if not smp:
            problems.append("no samples of the scrape process")
            fd_min = fd_max = fd_lo = fd_hi = rss_lo = rss_hi = None
        else:
            fd_min = min(s[2] for s in smp)
            fd_max = max(s[2] for s in smp)
            fd_lo, fd_hi = tenth_max(smp, a.urls, 2)
            rss_lo, rss_hi = tenth_max(smp, a.urls, 3)
            if fd_max > fd_limit(a):
                problems.append("scrape had %d descriptors open, more than "
                                "the limit %d" % (fd_max, fd_limit(a)))
            if fd_lo is None or fd_hi is None:
                problems.append("too few samples to compare the first and "
                                "last tenth (run too short?)")
            else:
                if fd_hi > fd_lo + fd_growth(a):
                    problems.append("descriptors grew: max %d over the "
                                    "first tenth, %d over the last"
                                    % (fd_lo, fd_hi))
                if rss_hi > rss_lo * a.rss_ratio + a.rss_slack_kb:
                    problems.append("RSS grew: max %d KiB over the first "
                                    "tenth, %d KiB over the last (allowed "
                                    "%.0f)" % (rss_lo, rss_hi, rss_lo *
                                               a.rss_ratio + a.rss_slack_kb))

        # The server: alive, one request per attempt, idle again.
        srv = None
        host_inflight = None
        if server.poll() is not None:
            problems.append("the test server died during the run "
                            "(status %s)" % server.returncode)
        else:
            attempts = sum(o["attempts"] for o in seen.values()
                           if isinstance(o["attempts"], int))
            try:
                deadline = time.monotonic() + 10
                while True:
                    srv = server_stats(http_port)
                    if srv["inflight"] == 0 or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                if srv["inflight"] != 0:
                    problems.append("test server still counts %d requests "
                                    "in flight 10 s after the run"
                                    % srv["inflight"])
                if not r["timed_out"] and srv["requests"] != attempts:
                    problems.append("test server counted %d requests, the "
                                    "lines %d attempts"
                                    % (srv["requests"], attempts))
                if a.hosts and not r["timed_out"]:
                    host_inflight = check_server_hosts(a, http_port, hosts,
                                                       seen, problems)
            except (OSError, ValueError, KeyError) as e:
                problems.append("test server /stats failed: %s" % e)
            srv_sample = proc_sample(server.pid)
        srv_status = stop(server, "testserver")
        server = None
        if srv_status != 0:
            problems.append("test server exit status %s on SIGTERM (0 "
                            "expected)" % srv_status)

        # Summary.
        wall = r["wall"]
        print("")
        print("soak summary")
        print("  URLs              %d (-c %d; %s)" % (
            a.urls, a.concurrency,
            ", ".join("%s %d" % kv for kv in sorted(mix.items()))))
        if a.hosts or a.extra:
            print("  hosts             %d%s%s" % (
                len(set(hosts.values())),
                "; scrape " + " ".join(a.extra) if a.extra else "",
                "; max in flight on one host %d" % host_inflight
                if host_inflight is not None else ""))
        if host_opts and rep_hosts is not None:
            print("  report hosts      %d named: %d cut by --adaptive "
                  "(lowest %s), %d opened, %d circuit_open URLs" % (
                      len(rep_hosts),
                      sum(1 for e in rep_hosts if e.get("lowest_limit")),
                      dict(sorted(collections.Counter(
                          e.get("lowest_limit") for e in rep_hosts
                          if e.get("lowest_limit")).items())),
                      sum(1 for e in rep_hosts if e.get("circuit_opened")),
                      sum(e.get("circuit_open_urls") or 0
                          for e in rep_hosts)))
        print("  lines             %d; ok %d, failed %d (%s), retries %d"
              % (r["done"], mine["ok"], mine["failed"],
                 ", ".join("%s %d" % kv for kv in sorted(kinds.items()))
                 or "none", mine["retries"]))
        print("  wall              %.1f s, %.0f URLs/s"
              % (wall, a.urls / wall if wall > 0 else 0))
        print("  scrape fds        min %s, max %s (first-tenth max %s, "
              "last-tenth max %s; limit %d)"
              % (fd_min, fd_max, fd_lo, fd_hi, fd_limit(a)))
        print("  scrape RSS        first-tenth max %s KiB, last-tenth max "
              "%s KiB, peak (VmHWM) %s KiB; %d samples"
              % (rss_lo, rss_hi, r["hwm_kb"], len(smp)))
        if srv is not None:
            print("  test server       %d requests (%d raw), max in flight "
                  "%d%s" % (srv["requests"], srv["raw_requests"],
                            srv["max_inflight"],
                            ", %d fds, %d KiB RSS after the run"
                            % srv_sample[:2] if srv_sample else ""))
        for p in problems:
            print("  FAIL: " + p)
        print("soak: %s" % ("PASS" if not problems else "FAIL"))
        return 0 if not problems else 1
    except Fail as e:
        print("soak: FAIL: %s" % e)
        problems.append(str(e))
        return 1
    finally:
        stop(server, "testserver")
        srv_err.close()
        if problems or a.keep:
            print("soak: work directory kept: %s" % workdir)
        elif a.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
