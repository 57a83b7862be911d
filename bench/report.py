#!/usr/bin/env python3
"""Turns the raw per-run results of bench/run into a Markdown table and a JSON file.

Usage: bench/report.py RAW.jsonl META.json OUT_BASE [SOAK_SAMPLES.jsonl]
Writes OUT_BASE.md and OUT_BASE.json and prints the Markdown.

RAW.jsonl has one line per wrk run: {"point", "scenario", "what", "connections",
"w", "r", "run", "warmup", "command", "result": <the BENCH_RESULT object of
bench/kv-common.lua>}. Each measured point (several runs) becomes one row: the
median of req/s and of each latency percentile, the spread of req/s over the
runs, the largest max, and the errors summed over the runs. Points are listed
in their "order". SOAK_SAMPLES.jsonl (from bench/run --soak) has one line per
node and sample: {"t", "node", "rss", "heap_used", "old_gen_used", "live_data"}
in bytes, -1 where unknown; the report gives first, last and max per node.

Lines with "kind": "ycsb" are YCSB runs (the y scenarios; bench/ycsb-result.py's object as
"result", with "store" and "workload"): they get a table of their own, one row per point
with the median ops/s and the medians of each operation type's p50 and p99, and the
targets of the YCSB issue (quorumkv at least 1.5x etcd on y-a and y-c, p99 no higher).
"""
import json
import statistics
import sys

# The targets, checked against the named points when they were measured.
TARGET_RPS = 10_000
TARGET_P99_MS = 20.0
TARGET_P50_1CONN_MS = 1.0
SLOW_REPLICA_TOLERANCE = 0.20
YCSB_TARGET_RATIO = 1.5


def ms(us):
    return us / 1000.0


def fmt_ms(us):
    v = ms(us)
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def summarise(runs):
    results = [r["result"] for r in runs]
    rps = [x["rps"] for x in results]
    first = runs[0]
    return {
        "point": first["point"],
        "order": first.get("order", 0),
        "scenario": first["scenario"],
        "what": first["what"],
        "connections": first["connections"],
        "w": first.get("w"),
        "r": first.get("r"),
        "runs": len(results),
        "rps_median": statistics.median(rps),
        "rps_min": min(rps),
        "rps_max": max(rps),
        "p50_us": statistics.median(x["p50_us"] for x in results),
        "p90_us": statistics.median(x["p90_us"] for x in results),
        "p99_us": statistics.median(x["p99_us"] for x in results),
        "p99_us_max": max(x["p99_us"] for x in results),
        "max_us": max(x["max_us"] for x in results),
        "requests": sum(x["requests"] for x in results),
        "non2xx": sum(x["non2xx"] for x in results),
        "status5xx": sum(x["status"]["5xx"] for x in results),
        "socket_errors": sum(x["socket_errors"] for x in results),
        "command": first["command"],
        "load1_max": max(r.get("load1_at_start", -1) for r in runs),
        "per_run": results,
    }


def summarise_ycsb(runs):
    results = [r["result"] for r in runs]
    ops_per_s = [x["ops_per_s"] for x in results]
    first = runs[0]
    ops = {}
    for name in sorted({op for x in results for op in x["ops"]}):
        rows = [x["ops"][name] for x in results if name in x["ops"]]
        ops[name] = {
            "count": sum(o.get("count", 0) for o in rows),
            "p50_us": statistics.median(o.get("p50_us", 0) for o in rows),
            "p99_us": statistics.median(o.get("p99_us", 0) for o in rows),
            "max_us": max(o.get("max_us", 0) for o in rows),
        }
    nodes = [x["nodes_cores"] for x in results if x.get("nodes_cores") is not None]
    return {
        "kind": "ycsb",
        "point": first["point"],
        "order": first.get("order", 0),
        "scenario": first["scenario"],
        "store": first["store"],
        "workload": first["workload"],
        "threads": first["threads"],
        "runs": len(results),
        "ops_per_s_median": statistics.median(ops_per_s),
        "ops_per_s_min": min(ops_per_s),
        "ops_per_s_max": max(ops_per_s),
        "ops": ops,
        "failed": sum(x["failed"] for x in results),
        "harness_cores": statistics.median(x["harness_cores"] for x in results),
        "nodes_cores": statistics.median(nodes) if nodes else None,
        "command": first["command"],
        "load1_max": max(r.get("load1_at_start", -1) for r in runs),
        "per_run": results,
    }


def ycsb_checks(points):
    """quorumkv against etcd on y-a and y-c: throughput ratio and each operation's p99; no failed operation."""
    by = {p["point"]: p for p in points}
    out = []
    for workload in ("y-a", "y-c"):
        ours, etcd = by.get(workload), by.get(workload + "-etcd")
        if not ours or not etcd or not etcd["ops_per_s_median"]:
            continue
        ratio = ours["ops_per_s_median"] / etcd["ops_per_s_median"]
        out.append((f"{workload}: throughput >= {YCSB_TARGET_RATIO}x etcd's", ratio >= YCSB_TARGET_RATIO,
                    f"{ours['ops_per_s_median']:.0f} / {etcd['ops_per_s_median']:.0f} ops/s = {ratio:.2f}x"))
        worse = [f"{op} {fmt_ms(v['p99_us'])} > {fmt_ms(etcd['ops'][op]['p99_us'])} ms"
                 for op, v in ours["ops"].items() if op in etcd["ops"] and v["p99_us"] > etcd["ops"][op]["p99_us"]]
        out.append((f"{workload}: p99 of each operation no higher than etcd's", not worse,
                    "; ".join(worse) if worse else ", ".join(
                        f"{op} {fmt_ms(v['p99_us'])} vs {fmt_ms(etcd['ops'][op]['p99_us'])} ms"
                        for op, v in ours["ops"].items() if op in etcd["ops"])))
    if points:
        bad = [p["point"] for p in points if p["failed"]]
        out.append(("every YCSB operation succeeded", not bad, "failed in: " + ", ".join(bad) if bad else "none"))
    return out


def ycsb_markdown(points):
    lines = ["", "YCSB (the y scenarios): ops/s is the median over the runs with the min-max spread; latencies "
             "in ms, medians over the runs, per operation type; harness is the CPU the YCSB client itself used "
             "and nodes the CPU of the quorumkv nodes (cores, median over the runs; 2 cores in all).", "",
             "| scenario | store | threads | ops/s | spread | read p50 | read p99 | update p50 | update p99 "
             "| failed | harness | nodes | runs | load | command |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for p in points:
        read, update = p["ops"].get("READ"), p["ops"].get("UPDATE")
        cell = lambda op, key: fmt_ms(op[key]) if op else "-"
        nodes = f"{p['nodes_cores']:.2f}" if p["nodes_cores"] is not None else "-"
        lines.append(
            f"| {p['point']} | {p['store']} | {p['threads']} | {p['ops_per_s_median']:.0f} "
            f"| {p['ops_per_s_min']:.0f}-{p['ops_per_s_max']:.0f} "
            f"| {cell(read, 'p50_us')} | {cell(read, 'p99_us')} | {cell(update, 'p50_us')} | {cell(update, 'p99_us')} "
            f"| {p['failed']} | {p['harness_cores']:.2f} | {nodes} | {p['runs']} | {p['load1_max']:.1f} | `{p['command']}` |")
    cs = ycsb_checks(points)
    if cs:
        lines += ["", "YCSB targets:", ""]
        for name, ok, detail in cs:
            lines.append(f"- {'PASS' if ok else 'FAIL'}: {name} ({detail})")
    return lines


def wr(p):
    parts = []
    if p["w"] is not None:
        parts.append(f"W={p['w']}")
    if p["r"] is not None:
        parts.append(f"R={p['r']}")
    return " ".join(parts) or "-"


def checks(points):
    """Each check: (name, passed or None when not measured, detail)."""
    by = {p["point"]: p for p in points}
    out = []
    b64 = by.get("b-64")
    if b64:
        ok = b64["rps_median"] >= TARGET_RPS and ms(b64["p99_us"]) <= TARGET_P99_MS
        out.append(("b-64: >= 10,000 PUT/s with p99 <= 20 ms", ok,
                    f"{b64['rps_median']:.0f} req/s, p99 {fmt_ms(b64['p99_us'])} ms"))
    a = by.get("a")
    if a:
        out.append(("a: p50 <= 1 ms at 1 connection", ms(a["p50_us"]) <= TARGET_P50_1CONN_MS,
                    f"p50 {fmt_ms(a['p50_us'])} ms"))
    d2 = by.get("d-w2")
    if d2 and b64:
        rps_ratio = d2["rps_median"] / b64["rps_median"] if b64["rps_median"] else 0
        p99_ratio = d2["p99_us"] / b64["p99_us"] if b64["p99_us"] else float("inf")
        ok = rps_ratio >= 1 - SLOW_REPLICA_TOLERANCE and p99_ratio <= 1 + SLOW_REPLICA_TOLERANCE
        out.append(("d-w2: throughput and p99 within 20% of b-64", ok,
                    f"req/s {rps_ratio:.0%} of b-64, p99 {p99_ratio:.0%} of b-64"))
    d3 = by.get("d-w3")
    if d3:
        out.append(("d-w3: p50 near the 50 ms delay", None,
                    f"p50 {fmt_ms(d3['p50_us'])} ms, p99 {fmt_ms(d3['p99_us'])} ms"))
    if points:
        bad = [p["point"] for p in points if p["non2xx"] or p["socket_errors"]]
        out.append(("no non-2xx and no socket errors at any load level", not bad,
                    "errors in: " + ", ".join(bad) if bad else "none"))
    return out


def ratios(points):
    by = {p["point"]: p for p in points}
    b64 = by.get("b-64")
    out = []
    if not b64:
        return out
    for ceiling in ("f-single", "f-nginx"):
        c = by.get(ceiling)
        if c and c["rps_median"]:
            out.append((f"b-64 / {ceiling}", b64["rps_median"] / c["rps_median"],
                        f"{b64['rps_median']:.0f} / {c['rps_median']:.0f} req/s"))
    return out


def memory(samples):
    nodes = {}
    for s in samples:
        nodes.setdefault(s["node"], []).append(s)
    out = []
    for node, rows in nodes.items():
        rows.sort(key=lambda s: s["t"])
        entry = {"node": node, "samples": len(rows), "seconds": rows[-1]["t"]}
        for field in ("rss", "heap_used", "old_gen_used", "live_data"):
            values = [r[field] for r in rows if r[field] >= 0]
            if values:
                entry[field] = {"first": values[0], "last": values[-1], "max": max(values)}
        out.append(entry)
    return out


def mib(b):
    return f"{b / 1048576:.0f}"


def memory_markdown(mem):
    lines = ["", "Memory during the soak (MiB, first / last / max of the samples):", "",
             "| node | samples | seconds | RSS | heap used | old gen used | live data after GC |",
             "|---|---:|---:|---|---|---|---|"]
    for m in mem:
        cells = []
        for field in ("rss", "heap_used", "old_gen_used", "live_data"):
            v = m.get(field)
            cells.append(f"{mib(v['first'])} / {mib(v['last'])} / {mib(v['max'])}" if v else "-")
        lines.append(f"| {m['node']} | {m['samples']} | {m['seconds']} | " + " | ".join(cells) + " |")
    return lines


def markdown(meta, points, mem, ycsb=()):
    lines = []
    title = "quorumkv benchmark " + meta.get("started", "")
    if meta.get("incomplete"):
        title += " (INCOMPLETE: " + meta["incomplete"] + ")"
    lines.append(f"# {title}")
    lines.append("")
    for key, label in (
        ("machine", "Machine"),
        ("load_average_at_start", "Load average at start (1/5/15 min)"),
        ("load_average_at_end", "Load average at end"),
        ("java", "Java"),
        ("java_opts", "JVM flags (every node)"),
        ("jar", "Jar"),
        ("git", "Repository HEAD"),
        ("wrk", "wrk"),
        ("nginx", "nginx"),
        ("etcd", "etcd"),
        ("settings", "Settings"),
    ):
        if meta.get(key):
            lines.append(f"- {label}: `{meta[key]}`")
    lines.append("")
    if meta.get("finished"):
        lines.insert(2, f"- Run: `{meta.get('started', '?')}` to `{meta['finished']}`")
    if points:
        lines += wrk_table(points)
    if ycsb:
        lines += ycsb_markdown(ycsb)
    if mem:
        lines += memory_markdown(mem)
    notes = meta.get("notes") or []
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def wrk_table(points):
    lines = []
    lines.append("Latencies in ms; req/s is the median over the runs, with the min-max spread; "
                 "p50/p90/p99 are medians over the runs; max is the largest seen; "
                 "errors are summed over the runs; load is the highest 1-minute load average "
                 "seen at the start of a run (the machine may be shared: above ~2 on 2 cores, "
                 "other work competed for the CPU).")
    lines.append("")
    lines.append("| scenario | what | conns | W/R | req/s | spread | p50 | p90 | p99 | max "
                 "| non-2xx | socket errors | runs | load | command |")
    lines.append("|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for p in points:
        lines.append(
            f"| {p['point']} | {p['what']} | {p['connections']} | {wr(p)} "
            f"| {p['rps_median']:.0f} | {p['rps_min']:.0f}-{p['rps_max']:.0f} "
            f"| {fmt_ms(p['p50_us'])} | {fmt_ms(p['p90_us'])} | {fmt_ms(p['p99_us'])} "
            f"| {fmt_ms(p['max_us'])} | {p['non2xx']} | {p['socket_errors']} | {p['runs']} "
            f"| {p['load1_max']:.1f} "
            f"| `{p['command']}` |")
    rs = ratios(points)
    if rs:
        lines.append("")
        lines.append("Ratios to the same machine's ceilings (same run, same wrk script):")
        lines.append("")
        for name, value, detail in rs:
            lines.append(f"- {name}: {value:.0%} ({detail})")
    cs = checks(points)
    if cs:
        lines.append("")
        lines.append("Targets from the issue:")
        lines.append("")
        for name, ok, detail in cs:
            mark = "info" if ok is None else ("PASS" if ok else "FAIL")
            lines.append(f"- {mark}: {name} ({detail})")
    return lines


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    raw_path, meta_path, out_base = argv[1:4]
    samples = []
    if len(argv) == 5:
        with open(argv[4], encoding="utf-8") as f:
            samples = [json.loads(line) for line in f if line.strip()]
    mem = memory(samples)
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    runs_by_point = {}
    with open(raw_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            run = json.loads(line)
            if run.get("warmup"):
                continue
            runs_by_point.setdefault(run["point"], []).append(run)
    points = [summarise(runs) for runs in runs_by_point.values() if runs[0].get("kind") != "ycsb"]
    points.sort(key=lambda p: p["order"])
    ycsb = [summarise_ycsb(runs) for runs in runs_by_point.values() if runs[0].get("kind") == "ycsb"]
    ycsb.sort(key=lambda p: p["order"])
    md = markdown(meta, points, mem, ycsb)
    with open(out_base + ".md", "w", encoding="utf-8") as f:
        f.write(md)
    doc = {
        "meta": meta,
        "points": points,
        "ratios": [{"name": n, "value": v, "detail": d} for n, v, d in ratios(points)],
        "checks": [{"name": n, "passed": ok, "detail": d} for n, ok, d in checks(points)],
        "memory": mem,
        "ycsb": ycsb,
        "ycsb_checks": [{"name": n, "passed": ok, "detail": d} for n, ok, d in ycsb_checks(ycsb)],
    }
    with open(out_base + ".json", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
