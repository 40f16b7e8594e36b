#!/usr/bin/env python3
"""Per-case counts for bin/bench.sh: what each peer did, per Raft data entry and per request.

  counts.py snap OUT PID[:METRICS_PORT] ...   # CPU ticks, context switches and Ratis counters
  counts.py diff BEFORE AFTER REQUESTS        # one line of figures for the case between them
  counts.py jit BEFORE AFTER                  # the JIT compilers' share of the servers' CPU, in %

CPU times lie on a busy machine; counts do not. So beside CPU per request this prints, per data
entry (a Raft log entry carrying client commands, counted on the leader by Ratis'
stateMachineLogEntryCount): the log indices written (data entries plus metadata and configuration entries), the
fsyncs of every peer's log, the AppendEntries requests the leader sent with entries and the
heartbeats; and per request the context switches of every peer and the CPU its JIT compiler
threads used (part of the CPU per request: a peer still compiling is not in its steady state). A PID without a metrics port
(redis-server) gets CPU and context switches only.
"""
import json
import os
import re
import sys
import urllib.request

HZ = os.sysconf("SC_CLK_TCK")
SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")
# name in raft-kv's /metrics -> key in the snapshot (summed over its samples); "writes" are the
# log entries carrying state machine data (client commands), not metadata or configuration
COUNTERS = {
    "ratis_log_worker_flushCount_total": "fsyncs",
    "ratis_log_worker_appendEntryCount_total": "indices",
    "ratis_grpc_log_appender_num_requests_total": "appends",
    "ratis_grpc_log_appender_num_requests_heartbeat_total": "heartbeats",
    "ratis_log_worker_stateMachineLogEntryCount_total": "writes",
}


def proc(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)
    switches = 0
    jit = 0  # CPU ticks of the JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre")
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                name, rest = f.read().split("(", 1)[1].rsplit(")", 1)
                if "CompilerThre" in name:
                    t = rest.split()
                    jit += int(t[11]) + int(t[12])
        except OSError:
            pass  # a thread that ended meanwhile
    return ticks, switches, jit


def metrics(port):
    out = {v: 0.0 for v in COUNTERS.values()}
    role = "?"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            m = SAMPLE.match(line)
            if not m:
                continue
            name, labels, value = m.groups()
            if name in COUNTERS:
                out[COUNTERS[name]] += float(value)
            elif name == "raftkv_raft_role" and float(value) == 1 and labels:
                role = re.search(r'role="([a-z]+)"', labels).group(1)
    out["role"] = role
    return out


def snap(path, targets):
    snapshot = []
    for t in targets:
        pid, _, port = t.partition(":")
        ticks, switches, jit = proc(int(pid))
        entry = {"pid": int(pid), "ticks": ticks, "switches": switches, "jit": jit}
        if port:
            entry.update(metrics(int(port)))
        snapshot.append(entry)
    with open(path, "w") as f:
        json.dump(snapshot, f)


def diff(before_path, after_path, requests):
    with open(before_path) as f:
        before = json.load(f)
    with open(after_path) as f:
        after = json.load(f)
    d = []
    for a, b in zip(before, after):
        x = {k: b[k] - a[k] for k in b if isinstance(b[k], (int, float)) and k != "pid"}
        x["role"] = b.get("role", "-")
        d.append(x)
    us = lambda ticks: ticks * 1e6 / HZ / requests
    leader = [x for x in d if x["role"] == "leader"]
    followers = [x for x in d if x["role"] != "leader"]
    cpu_l = sum(us(x["ticks"]) for x in leader)
    cpu_f = sum(us(x["ticks"]) for x in followers) / max(1, len(followers))
    switches = sum(x["switches"] for x in d) / requests
    jit = sum(us(x.get("jit", 0)) for x in d)
    if not leader:  # redis-server
        print(f"{sum(us(x['ticks']) for x in d):.0f} - - {switches:.1f} - - - - - {jit:.0f}")
        return
    entries = leader[0].get("writes", 0)
    if entries < 100:  # reads: no data entries to count per
        print(f"{cpu_l:.0f} {cpu_f:.0f} - {switches:.1f} - - - - {int(entries)} {jit:.0f}")
        return
    per = lambda key: sum(x.get(key, 0) for x in d) / entries
    print(f"{cpu_l:.0f} {cpu_f:.0f} {requests / entries:.1f} {switches:.1f}"
          f" {leader[0]['indices'] / entries:.2f} {per('fsyncs'):.2f}"
          f" {leader[0]['appends'] / entries:.2f} {leader[0]['heartbeats'] / entries:.2f} {int(entries)} {jit:.0f}")


def jit_share(before_path, after_path):
    with open(before_path) as f:
        before = json.load(f)
    with open(after_path) as f:
        after = json.load(f)
    ticks = sum(b["ticks"] - a["ticks"] for a, b in zip(before, after))
    jit = sum(b.get("jit", 0) - a.get("jit", 0) for a, b in zip(before, after))
    print(f"{100 * jit / max(1, ticks):.0f}")


if __name__ == "__main__":
    if sys.argv[1] == "snap":
        snap(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "jit":
        jit_share(sys.argv[2], sys.argv[3])
    else:
        diff(sys.argv[2], sys.argv[3], int(sys.argv[4]))
