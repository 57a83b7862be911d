"""Feeds the checker synthetic histories with known anomalies; the soak is only worth
running if its checker catches a lost write and a stale read and passes a clean history."""
from .checker import FAIL, INFO, OK, check
from .report import render, verdict


def _w(key, value, status, start, end, version=None):
    return {"f": "write", "key": key, "value": value, "status": status, "start": start, "end": end,
            "version": version}


def _r(key, value, start, end, version=None, status=OK, phase=None):
    op = {"f": "read", "key": key, "value": value, "status": status, "start": start, "end": end,
          "version": version}
    if phase:
        op["phase"] = phase
    return op


def _final(key, value, version=None):
    return _r(key, value, 100, 101, version, phase="final")


def anomalous_history():
    return [
        # a: clean; a read concurrent with the second write may see either value.
        _w("a", 1, OK, 0, 1, "1000.0.n1"), _w("a", 2, OK, 2, 3, "1002.0.n2"),
        _r("a", 1, 2.5, 2.8, "1000.0.n1"), _r("a", 2, 4, 5, "1002.0.n2"), _final("a", 2, "1002.0.n2"),
        # b: LOST - the last acknowledged write is not visible at the end.
        _w("b", 1, OK, 0, 1, "1000.0.n1"), _w("b", 2, OK, 2, 3, "1002.0.n1"), _final("b", 1, "1000.0.n1"),
        # c: STALE - a read that started after write 2 was acknowledged returns 1.
        _w("c", 1, OK, 0, 1, "1000.0.n1"), _w("c", 2, OK, 2, 3, "1002.0.n1"),
        _r("c", 1, 4, 5, "1000.0.n1"), _final("c", 2, "1002.0.n1"),
        # d: STALE - read went backwards: r1 saw 2 (acknowledged later), r2 after it saw 1.
        _w("d", 1, OK, 0, 1, "1000.0.n1"), _w("d", 2, OK, 2, 6, "1002.0.n1"),
        _r("d", 2, 3, 4, "1002.0.n1"), _r("d", 1, 4.5, 5, "1000.0.n1"), _final("d", 2, "1002.0.n1"),
        # e: allowed - indeterminate write 2 landed late with a newer version than write 3.
        _w("e", 1, OK, 0, 1, "1000.0.n1"), _w("e", 2, INFO, 2, 5), _w("e", 3, OK, 6, 7, "1006.0.n1"),
        _r("e", 2, 8, 9, "1008.0.n2"), _final("e", 2, "1008.0.n2"),
        # f: STALE - the same read of write 2, but with an older version than write 3.
        _w("f", 1, OK, 0, 1, "1000.0.n1"), _w("f", 2, INFO, 2, 5), _w("f", 3, OK, 6, 7, "1006.0.n1"),
        _r("f", 2, 8, 9, "1003.0.n2"), _final("f", 3, "1006.0.n1"),
        # g: failed writes, one seen by a read, one never seen: both allowed.
        _w("g", 1, OK, 0, 1, "1000.0.n1"), _w("g", 2, FAIL, 2, 3), _w("g", 3, FAIL, 4, 5),
        _r("g", 2, 6, 7, "1002.0.n1"), _final("g", 2, "1002.0.n1"),
        # h: INVALID - values never written (or a corrupt body, parsed as -1).
        _r("h", 5, 0, 1, "1000.0.n1"), _r("h", -1, 2, 3, "1000.0.n1"),
        # i: STALE - not found after an acknowledged write.
        _w("i", 1, OK, 0, 1, "1000.0.n1"), _r("i", None, 2, 3), _final("i", 1, "1000.0.n1"),
        # j: UNVERIFIED - the final read never succeeded.
        _w("j", 1, OK, 0, 1, "1000.0.n1"), _r("j", None, 100, 101, status=INFO, phase="final"),
    ]


def availability_history(acked):
    """100 writes issued while node1 was paused, `acked` of them acknowledged."""
    nemesis = [{"type": "nemesis", "time": 10, "action": "pause", "node": "node1", "fault": "start"},
               {"type": "nemesis", "time": 20, "action": "resume", "node": "node1", "fault": "end"}]
    ops = [_w("k", n + 1, OK if n < acked else INFO, 10 + n * 0.05, 10 + n * 0.05 + 0.01, f"{2000 + n}.0.n1")
           for n in range(100)]
    ops.append(_final("k", acked, f"{2000 + acked - 1}.0.n1"))
    return ops, nemesis


def _expect(failures, name, actual, expected):
    if actual != expected:
        failures.append(f"{name}: expected {expected}, got {actual}")


def run():
    failures = []
    result = check(anomalous_history(), [])
    for name, expected in (("lost", 1), ("stale_reads", 4), ("invalid_reads", 2), ("unverified_keys", 1),
                           ("late_write_reads", 1), ("superseded_by_late_write", 1)):
        _expect(failures, name, result[name], expected)
    stale_keys = sorted(a["key"] for a in result["anomalies"] if a["kind"].startswith("stale"))
    _expect(failures, "keys with stale reads", stale_keys, ["c", "d", "f", "i"])
    _expect(failures, "failed writes seen", result["visibility"]["failed_seen"], 1)
    _expect(failures, "failed writes never seen", result["visibility"]["failed_never_seen"], 1)
    _expect(failures, "verdict of the anomalous history", verdict(result, {})[0], False)

    clean = [op for op in anomalous_history() if op["key"] in ("a", "e", "g")]
    _expect(failures, "verdict of a clean history", verdict(check(clean, []), {})[0], True)

    for acked, passes in ((98, False), (99, True)):
        ops, nemesis = availability_history(acked)
        result = check(ops, nemesis)
        _expect(failures, f"one-fault writes ({acked} acked)", result["availability"]["one_fault"]["writes"], 100)
        _expect(failures, "writes while a node was paused", result["availability"]["one_paused"]["writes"], 100)
        _expect(failures, "writes while a node was killed", result["availability"]["one_killed"]["writes"], 0)
        _expect(failures, f"verdict with {acked}% acked during a fault", verdict(result, {})[0], passes)
        _expect(failures, f"verdict with {acked}% acked, two-faults run", verdict(result, {"two_faults": True})[0], True)
    render(check(anomalous_history(), []), {"seed": 0, "duration": 0, "threads": 0})

    if failures:
        print("self-test FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("self-test passed: the checker caught 1 lost write, 4 stale reads, 2 invalid reads and 1 "
          "unverified key, allowed late and failed writes, and applied the 99% availability target.")
    return 0
