"""Feeds the checker synthetic histories with known anomalies; the soak is only worth
running if its checker catches a lost write and a stale read and passes a clean history."""
import random
import subprocess

from .checker import FAIL, INFO, OK, check
from .cluster import NODES
from .nemesis import ALL_KINDS, PROCESS_KINDS, Holds, Planner, expand_faults
from .netns import BRIDGE_NS, CLIENT_ADDR, Network, NetnsError, cut_pairs, drop_rules, node_addr
from .nodes import our_mounts
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


def per_kind_history():
    """One fault of every kind in turn, 10 writes issued during each: during the partition and
    clock faults half are refused, during the others all are acknowledged."""
    nemesis, ops, t = [], [], 10.0
    for n, kind in enumerate(ALL_KINDS):
        node = NODES[n % 3]
        nemesis.append({"type": "nemesis", "time": t, "action": kind, "node": node, "fault": "start"})
        nemesis.append({"type": "nemesis", "time": t + 5, "action": "end", "node": node, "fault": "end"})
        refused = kind.startswith("partition") or kind == "clock"
        for i in range(10):
            ok = not (refused and i % 2)
            ops.append(_w(f"k-{kind}", i + 1, OK if ok else FAIL, t + 0.1 + i * 0.4, t + 0.2 + i * 0.4,
                          f"{1000 + i}.0.n1"))
        ops.append(_final(f"k-{kind}", 10 if not refused else 9, f"{1009 if not refused else 1008}.0.n1"))
        t += 10
    return ops, nemesis


class FakeIp:
    """Stands in for `ip` and `iptables`: keeps the set of namespaces, can fail one command."""

    def __init__(self, existing=(), fail_on=None):
        self.namespaces = set(existing)
        self.fail_on = fail_on
        self.commands = []

    def __call__(self, cmd, check=True, timeout=30):
        self.commands.append(cmd)
        code, out = 0, ""
        if self.fail_on and self.fail_on in " ".join(cmd):
            code = 1
        elif cmd[:3] == ["ip", "netns", "list"]:
            out = "".join(f"{ns} (id: {i})\n" for i, ns in enumerate(sorted(self.namespaces)))
        elif cmd[:3] == ["ip", "netns", "add"]:
            code = 1 if cmd[3] in self.namespaces else 0
            self.namespaces.add(cmd[3])
        elif cmd[:3] == ["ip", "netns", "del"]:
            code = 0 if cmd[3] in self.namespaces else 1
            self.namespaces.discard(cmd[3])
        if check and code:
            raise NetnsError(f"{' '.join(cmd)} failed")
        return subprocess.CompletedProcess(cmd, code, out, "")


def _nemesis_checks(failures):
    """Schedules, links cut, clean-up and the per-kind report, without root or a cluster."""
    _expect(failures, "expand partition,clock,disk", expand_faults("partition,clock,disk"),
            ("partition-isolate", "partition-bridge", "clock", "disk"))
    try:
        expand_faults("kill,flood")
        failures.append("an unknown fault kind was accepted")
    except ValueError:
        pass

    # With only kill and pause the schedule is the one drawn before the new kinds existed.
    old, new = random.Random(5), Planner(random.Random(5), PROCESS_KINDS, two_faults=True)
    for count in range(1, 30):
        nodes = old.sample(NODES, 2 if count % 2 == 0 else 1)
        kinds = [old.choice(("kill", "pause")) for _ in nodes]
        hold = old.uniform(*((2.0, 8.0) if "pause" in kinds else (1.0, 4.0)))
        faults, new_hold = new.next(1000)
        _expect(failures, f"kill/pause fault {count}", ([(f[0], f[1]) for f in faults], new_hold),
                (list(zip(nodes, kinds)), hold))
    _expect(failures, "kill/pause fault with 9 s left", new.next(9), None)

    # Every kind once per round of the bag, the two that restart nodes first; the partitions' nodes well formed.
    for seed in range(20):
        planner = Planner(random.Random(seed), ALL_KINDS)
        rounds = [planner.next(1000) for _ in range(2 * len(ALL_KINDS))]
        for r in (rounds[:len(ALL_KINDS)], rounds[len(ALL_KINDS):]):
            _expect(failures, f"seed {seed}: kinds in a round", sorted(f[0][1] for f, _ in r), sorted(ALL_KINDS))
            _expect(failures, f"seed {seed}: first kinds of a round (the slowest to heal)",
                    sorted(f[0][1] for f, _ in r[:2]), ["clock", "disk"])
        for faults, hold in rounds:
            node, kind, nodes = faults[0]
            low, high = Holds().of(kind)
            if not low <= hold <= high:
                failures.append(f"seed {seed}: {kind} hold {hold} outside {low}..{high}")
            if kind.startswith("partition"):
                if sorted(nodes) != sorted(NODES):
                    failures.append(f"seed {seed}: {kind} involves {nodes}")
                if node != nodes[0 if kind == "partition-isolate" else 1]:
                    failures.append(f"seed {seed}: {kind} is logged on {node}, not the isolated or bridge node")
    tight = Planner(random.Random(1), ALL_KINDS)
    drawn = tight.next(Holds().needed("clock") - 1)
    _expect(failures, "with too little time left for a clock fault, another kind",
            drawn is not None and drawn[0][0][1] != "clock", True)
    _expect(failures, "with 5 s left, no fault", Planner(random.Random(1), ALL_KINDS).next(5), None)
    late = Planner(random.Random(2), ALL_KINDS)
    quick = [late.next(50)[0][0][1] for _ in range(len(ALL_KINDS) - 2)]  # too little time for clock, disk
    _expect(failures, "with 50 s left, the quick kinds of a round", sorted(quick),
            sorted(k for k in ALL_KINDS if k not in ("clock", "disk")))
    more = [late.next(20) for _ in range(3)]  # only clock and disk are left in the round: a new one
    _expect(failures, "with 20 s left and only slow kinds left in the round, quick kinds still come",
            [m is not None and m[0][0][1] not in ("clock", "disk") for m in more], [True, True, True])

    # Links cut: isolate cuts x from both others, bridge a|b|c only a from c; never the client.
    _expect(failures, "isolate node2", cut_pairs("partition-isolate", ["node2", "node1", "node3"]),
            [("node2", "node1"), ("node2", "node3")])
    _expect(failures, "bridge node1|node2|node3", cut_pairs("partition-bridge", ["node1", "node2", "node3"]),
            [("node1", "node3")])
    addr = {n: node_addr(i) for i, n in enumerate(NODES, start=1)}
    rules = drop_rules(cut_pairs("partition-bridge", ["node1", "node2", "node3"]), addr.get)
    _expect(failures, "bridge: DROP rules (2 directions x 2 ends)", len(rules), 4)
    mentioned = {arg for _, rule in rules for arg in rule if arg.startswith("10.")}
    _expect(failures, "bridge: addresses in the rules", mentioned, {addr["node1"], addr["node3"]})
    if CLIENT_ADDR in mentioned or any("DROP" != rule[-1] for _, rule in rules):
        failures.append("a partition rule touches the client address or is not a DROP")

    # Namespaces: set up, cleaned up twice (the second finds nothing and does nothing), foreign
    # namespaces untouched, leftovers refused, a failed set-up cleaned up.
    fake = FakeIp(existing=["other", "qkv-brx"])
    network = Network(NODES, run=fake)
    network.setup()
    _expect(failures, "namespaces after set-up", sorted(fake.namespaces),
            sorted(["other", "qkv-brx", BRIDGE_NS, "qkv-n1", "qkv-n2", "qkv-n3"]))
    _expect(failures, "first clean-up problems", network.cleanup(), [])
    before = len(fake.commands)
    _expect(failures, "second clean-up problems", network.cleanup(), [])
    _expect(failures, "namespaces after clean-up", sorted(fake.namespaces), ["other", "qkv-brx"])
    _expect(failures, "commands of the second clean-up", [c for c in fake.commands[before:] if "del" in c], [])
    leftover = FakeIp(existing=["qkv-n2"])
    try:
        Network(NODES, run=leftover).setup()
        failures.append("set-up went ahead over a leftover namespace")
    except NetnsError:
        pass
    broken = FakeIp(fail_on="qkv-v2")
    try:
        Network(NODES, run=broken).setup()
        failures.append("a failed set-up did not raise")
    except NetnsError:
        _expect(failures, "namespaces after a failed set-up", sorted(broken.namespaces), [])
    mounts = ("qkv-soak /tmp/quorumkv-soak-x/data/node1-disk tmpfs rw,size=262144k 0 0\n"
              "tmpfs /run tmpfs rw 0 0\nqkv-soak /srv/other ext4 rw 0 0\n"
              "qkv-soak /tmp/a\\040b/node2-disk tmpfs rw 0 0\n")
    _expect(failures, "the soak's tmpfs mounts", our_mounts(mounts),
            ["/tmp/quorumkv-soak-x/data/node1-disk", "/tmp/a b/node2-disk"])

    # Availability per kind; the 99% target covers kill and pause, not the kinds that refuse by design.
    ops, nemesis = per_kind_history()
    result = check(ops, nemesis)
    for kind in ALL_KINDS:
        a = result["availability"].get(f"kind:{kind}", {})
        refused = kind.startswith("partition") or kind == "clock"
        _expect(failures, f"{kind}: writes, acknowledged", (a.get("writes"), a.get("writes_acked")),
                (10, 5 if refused else 10))
        _expect(failures, f"{kind}: faults counted", result["faults"][kind], 1)
    _expect(failures, "one_fault window (kill and pause only)", result["availability"]["one_fault"]["writes"], 20)
    _expect(failures, "any_fault window", result["availability"]["any_fault"]["writes"], 60)
    _expect(failures, "lost/stale in the per-kind history", (result["lost"], result["stale_reads"]), (0, 0))
    meta = {"faults": list(ALL_KINDS), "seed": 0, "duration": 0, "threads": 0}
    _expect(failures, "verdict: refusals during partitions and clock faults are reported, not gated",
            verdict(result, meta)[0], True)
    text, _ = render(result, meta)
    for label in ("one node cut off", "b bridges", "clock shifted", "disk full", "SIGSTOP pause", "kill -9"):
        if label not in text:
            failures.append(f"the report has no row for '{label}'")
    paused = [dict(op) for op in ops]
    for op in paused:
        if op["key"] == "k-pause" and op["value"] % 2 == 0:
            op["status"] = FAIL
    _expect(failures, "verdict: refusals while a node is paused still fail the target",
            verdict(check(paused, nemesis), meta)[0], False)


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
    _nemesis_checks(failures)

    if failures:
        print("self-test FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("self-test passed: the checker caught 1 lost write, 4 stale reads, 2 invalid reads and 1 "
          "unverified key, allowed late and failed writes, and applied the 99% availability target; the "
          "nemesis schedules (kill/pause as before, every kind once per round), the partitions' DROP rules, "
          "namespace set-up and repeated clean-up (simulated) and the availability per fault kind are as expected.")
    return 0
