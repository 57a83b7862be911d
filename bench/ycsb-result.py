#!/usr/bin/env python3
"""Turns one YCSB run's output into one JSON line for bench/run's raw results.

Usage: bench/ycsb-result.py YCSB_OUTPUT

Reads the summary YCSB prints at the end (`[OVERALL], Throughput(ops/sec), ...`, and per operation type
`[READ], Operations, ...`, `[READ], 50thPercentileLatency(us), ...`, `[READ], Return=OK, ...`) and prints
{"ops_per_s", "operations", "failed", "ops": {"READ": {"count", "p50_us", "p99_us", "max_us"}, ...}}.
Every return other than OK counts as failed, NOT_FOUND included: after the load phase every key the
workloads read exists, so a miss is a lost write. Exits 1 when the output holds no summary.
"""
import json
import re
import sys

LINE = re.compile(r"^\[([A-Z-]+)\], ([^,]+), (.+)$")
SKIPPED = {"OVERALL", "CLEANUP", "TOTAL_GCS", "TOTAL_GC_TIME", "TOTAL_GC_TIME_%"}


def parse(text):
    overall = {}
    ops = {}
    failed = 0
    for raw in text.splitlines():
        match = LINE.match(raw.strip())
        if not match:
            continue
        section, metric, value = match.group(1), match.group(2).strip(), match.group(3).strip()
        if section == "OVERALL":
            overall[metric] = float(value)
            continue
        if section in SKIPPED or section.startswith("TOTAL_GC"):
            continue
        if section.endswith("-FAILED"):
            continue  # the same operations as the non-OK returns below: counting both counted each twice
        op = ops.setdefault(section, {})
        if metric == "Operations":
            op["count"] = int(float(value))
        elif metric == "50thPercentileLatency(us)":
            op["p50_us"] = float(value)
        elif metric == "99thPercentileLatency(us)":
            op["p99_us"] = float(value)
        elif metric == "MaxLatency(us)":
            op["max_us"] = float(value)
        elif metric.startswith("Return="):
            if metric != "Return=OK":
                failed += int(float(value))
                op.setdefault("not_ok", {})[metric[len("Return="):]] = int(float(value))
    if "Throughput(ops/sec)" not in overall:
        return None
    return {
        "ops_per_s": overall["Throughput(ops/sec)"],
        "runtime_ms": overall.get("RunTime(ms)", 0.0),
        "operations": sum(op.get("count", 0) for op in ops.values()),
        "failed": failed,
        "ops": ops,
    }


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8", errors="replace") as f:
        result = parse(f.read())
    if result is None:
        print(f"ycsb-result: no YCSB summary in {argv[1]}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
