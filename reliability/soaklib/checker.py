"""Checks a soak history for lost writes, stale reads and availability.

The model. Each key has one writer that writes increasing integers as "<key>:<n>",
one request at a time. An acknowledged write (200) took effect before its answer
arrived. A failed (503) or indeterminate (timeout, broken connection) write may take
effect at any later time, or never: Dynamo does not roll back. Only operations that
COMPLETED before another STARTED are ordered (real time); everything else is concurrent.

Versions break the one ambiguity this leaves: a failed or indeterminate write can land
late (a SIGSTOPped coordinator stamps a request when it wakes up) with a version newer
than a later acknowledged write. Such a "late write" legitimately wins last-writer-wins,
so a read of it is not stale when its version is newer than the acknowledged one.
"""
from bisect import bisect_right
from collections import defaultdict

OK, FAIL, INFO = "ok", "fail", "info"


def parse_version(text):
    """'<wallMillis>.<counter>.<nodeId>' as a comparable tuple, or None."""
    try:
        wall, counter, node = text.split(".", 2)
        return (int(wall), int(counter), node)
    except (AttributeError, ValueError):
        return None


def newer(version_a, version_b):
    """True only when both versions parse and a is strictly newer than b."""
    a, b = parse_version(version_a), parse_version(version_b)
    return a is not None and b is not None and a > b


def percentile(values, pct):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def fault_steps(nemesis):
    """Sorted (time, kinds of the faults active from then on) steps from nemesis events;
    a kill lasts until the node is ready again, a pause until it is resumed."""
    changes, active = [], {}
    for event in sorted(nemesis, key=lambda e: e["time"]):
        if event.get("fault") == "start":
            active[event["node"]] = event["action"]
        elif event.get("fault") == "end":
            active.pop(event["node"], None)
        else:
            continue
        changes.append((event["time"], tuple(sorted(active.values()))))
    return changes


class _Key:
    """Everything the history says about one key."""

    def __init__(self):
        self.writes = {}  # value -> write op
        self.reads = []  # completed (ok) reads during the run
        self.final = None  # the final ok read, if any


def _index(ops):
    keys = defaultdict(_Key)
    for op in ops:
        k = keys[op["key"]]
        if op["f"] == "write":
            k.writes[op["value"]] = op
        elif op["status"] == OK and op.get("phase") == "final":
            k.final = op
        elif op["status"] == OK:
            k.reads.append(op)
    return keys


def _is_invalid(op, k):
    """A read of something never written, or written only after the read ended."""
    value = op.get("value")
    if value is None:
        return False
    write = k.writes.get(value)
    return value < 0 or write is None or write["start"] > op["end"]


def _check_reads(key, k, result):
    # Floor contributions: acknowledged writes, and reads of acknowledged writes,
    # each known from the moment it completed.
    floor_events = []
    for write in k.writes.values():
        if write["status"] == OK:
            floor_events.append((write["end"], write["value"], write.get("version"), "write", write))
    for read in k.reads:
        write = k.writes.get(read.get("value"))
        if write is not None and write["status"] == OK:
            floor_events.append((read["end"], read["value"], read.get("version"), "read", read))
    floor_events.sort(key=lambda e: e[0])
    index, best = 0, None
    for read in sorted(k.reads, key=lambda r: r["start"]):
        while index < len(floor_events) and floor_events[index][0] < read["start"]:
            if best is None or floor_events[index][1] > best[1]:
                best = floor_events[index]
            index += 1
        if _is_invalid(read, k):
            result["invalid_reads"] += 1
            result["anomalies"].append({"kind": "invalid read", "key": key, "read": read})
            continue
        value = read.get("value") or 0
        if best is None or value >= best[1]:
            continue
        write = k.writes.get(value)
        if write is not None and write["status"] != OK and newer(read.get("version"), best[2]):
            result["late_write_reads"] += 1
            result["notes"].append({"kind": "late write read (allowed)", "key": key, "read": read,
                                    "write": write, "floor": best[4]})
            continue
        result["stale_reads"] += 1
        kind = "acknowledged write not visible" if best[3] == "write" else "read went backwards"
        result["anomalies"].append({"kind": "stale read: " + kind, "key": key, "read": read,
                                    "floor": best[4]})


def _check_final(key, k, result):
    acked = [w for w in k.writes.values() if w["status"] == OK]
    if not acked:
        return
    last = max(acked, key=lambda w: w["value"])
    final = k.final
    if final is None:
        result["unverified_keys"] += 1
        result["anomalies"].append({"kind": "final read failed", "key": key, "last_acked": last})
        return
    if _is_invalid(final, k):
        result["invalid_reads"] += 1
        result["anomalies"].append({"kind": "invalid read", "key": key, "read": final})
        return
    value = final.get("value") or 0
    if value >= last["value"]:
        return
    write = k.writes.get(value)
    if write is not None and write["status"] != OK and newer(final.get("version"), last.get("version")):
        result["superseded_by_late_write"] += 1
        result["notes"].append({"kind": "key ends on a late write (allowed)", "key": key, "read": final,
                                "write": write, "last_acked": last})
        return
    result["lost"] += 1
    result["anomalies"].append({"kind": "lost: last acknowledged write not visible at the end",
                                "key": key, "read": final, "last_acked": last})


def _count_ops(ops, result):
    for op in ops:
        if op.get("phase") == "warmup":
            result["warmup"]["ops"] += 1
            result["warmup"]["not_ok"] += op["status"] != OK
        if op.get("phase") in ("final", "warmup"):
            continue
        bucket = result["writes" if op["f"] == "write" else "reads"]
        bucket["total"] += 1
        bucket[op["status"]] += 1
        if op["f"] == "read" and op["status"] == OK and op.get("value") is None:
            bucket["not_found"] += 1
        if op.get("code") not in (None, 200, 404, 503):
            result["unexpected_status"] += 1


def _visibility(keys, result):
    """Failed and indeterminate writes that some read saw, versus never saw."""
    for k in keys.values():
        seen = {r.get("value") for r in k.reads}
        if k.final is not None:
            seen.add(k.final.get("value"))
        for write in k.writes.values():
            if write["status"] == OK or write.get("phase") == "warmup":
                continue
            label = "failed" if write["status"] == FAIL else "indeterminate"
            result["visibility"][label + ("_seen" if write["value"] in seen else "_never_seen")] += 1


PROCESS_KINDS = ("kill", "pause")


def _availability(ops, nemesis, result):
    """Groups the operations by the faults active when they were issued. one_fault (the window
    the availability target applies to) is one node killed or paused; every fault kind also gets
    a window of its own ("kind:<kind>": only faults of that kind active), and any_fault is every
    operation issued while some node was faulty."""
    steps = fault_steps(nemesis)
    times = [t for t, _ in steps]
    groups = {"no_fault": [], "one_fault": [], "one_killed": [], "one_paused": [], "two_faults": [],
              "any_fault": []}
    for op in ops:
        if op.get("phase") in ("final", "warmup"):
            continue
        index = bisect_right(times, op["start"]) - 1
        kinds = steps[index][1] if index >= 0 else ()
        if not kinds:
            groups["no_fault"].append(op)
            continue
        groups["any_fault"].append(op)
        if len(set(kinds)) == 1:
            groups.setdefault("kind:" + kinds[0], []).append(op)
        if len(kinds) == 1 and kinds[0] in PROCESS_KINDS:
            groups["one_fault"].append(op)
            groups["one_killed" if kinds[0] == "kill" else "one_paused"].append(op)
        elif len(kinds) > 1:
            groups["two_faults"].append(op)
    for name, group in groups.items():
        writes = [op for op in group if op["f"] == "write"]
        reads = [op for op in group if op["f"] == "read"]
        acked = sum(1 for op in writes if op["status"] == OK)
        reads_ok = sum(1 for op in reads if op["status"] == OK)
        write_ms = [op["end"] - op["start"] for op in writes if op["status"] == OK]
        read_ms = [op["end"] - op["start"] for op in reads if op["status"] == OK]
        result["availability"][name] = {
            "writes": len(writes),
            "writes_acked": acked,
            "write_ack_share": acked / len(writes) if writes else None,
            "reads": len(reads),
            "reads_ok": reads_ok,
            "writes_refused_4xx": sum(1 for op in writes if 400 <= (op.get("code") or 0) < 500),
            "read_ok_share": reads_ok / len(reads) if reads else None,
            "write_p50_ms": _ms(percentile(write_ms, 50)),
            "write_p99_ms": _ms(percentile(write_ms, 99)),
            "read_p99_ms": _ms(percentile(read_ms, 99)),
        }


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 1)


def check(ops, nemesis):
    """Checks a history; ops include the final reads (phase 'final')."""
    result = {
        "writes": defaultdict(int), "reads": defaultdict(int),
        "lost": 0, "stale_reads": 0, "invalid_reads": 0, "unverified_keys": 0,
        "late_write_reads": 0, "superseded_by_late_write": 0, "unexpected_status": 0,
        "visibility": defaultdict(int), "availability": {}, "anomalies": [], "notes": [],
        "faults": defaultdict(int), "warmup": defaultdict(int),
    }
    keys = _index(ops)
    for key in sorted(keys):
        _check_reads(key, keys[key], result)
        _check_final(key, keys[key], result)
    _count_ops(ops, result)
    _visibility(keys, result)
    _availability(ops, nemesis, result)
    for event in nemesis:
        if event.get("fault") == "start":
            result["faults"][event["action"]] += 1
    result["keys"] = len(keys)
    return result
