"""Membership changes on a live cluster, for reliability/scale and bench/join-time.

A change is timed from outside, the way an operator sees it: from the request (the `bin/local-cluster`
command that starts it) until GET /admin/topology shows no moves and the member in its final state
(NORMAL for a join or a replacement, LEFT for a decommission). While it runs, the topology is polled
and the first time each phase shows in `moves` is noted, so a run says where a change spent its time.
"""
import http.client
import json
import re
import subprocess
import threading
import time
import urllib.parse

from .checker import OK, newer, percentile

PHASES = ("WRITE_BOTH", "STREAMING", "READ_NEW", "DROP_OLD")
ADMIN_TIMEOUT = 10.0


class AdminError(Exception):
    pass


class Admin:
    """The admin and internal APIs of a cluster's nodes, with its secret; asks the first node that answers."""

    def __init__(self, ports, secret, host="127.0.0.1"):
        self.ports, self.secret, self.host = ports, secret, host

    def call(self, node, method, path, timeout=ADMIN_TIMEOUT):
        """(status, body bytes) from one node; raises AdminError when it does not answer."""
        conn = http.client.HTTPConnection(self.host, self.ports[node], timeout=timeout)
        try:
            conn.request(method, path, headers={"Authorization": f"Bearer {self.secret}"})
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            raise AdminError(f"{method} {path} on {node}: {type(error).__name__}: {error}") from error
        finally:
            conn.close()

    def json(self, path, nodes=None):
        """The first 200 JSON answer among `nodes` (default: all, in order)."""
        problems = []
        for node in nodes or self.ports:
            try:
                status, body = self.call(node, "GET", path)
            except AdminError as error:
                problems.append(str(error))
                continue
            if status == 200:
                return json.loads(body)
            problems.append(f"{node} answered {status}: {body[:200]!r}")
        raise AdminError(f"GET {path}: " + "; ".join(problems))

    def topology(self, nodes=None):
        return self.json("/admin/topology", nodes)

    def key(self, key, nodes=None):
        return self.json("/admin/keys/" + urllib.parse.quote(key, safe=""), nodes)

    def replica_holds(self, node, key):
        """True/False whether `node`'s own store holds a version of `key` (GET /internal/replica/{key})."""
        status, body = self.call(node, "GET", "/internal/replica/" + urllib.parse.quote(key, safe=""))
        if status not in (200, 204):
            raise AdminError(f"GET /internal/replica/{key} on {node} answered {status}: {body[:200]!r}")
        return status == 200

    def metric(self, node, name):
        """The sum of a Prometheus counter's samples on one node (0.0 when it has none yet)."""
        status, body = self.call(node, "GET", "/actuator/prometheus")
        if status != 200:
            raise AdminError(f"/actuator/prometheus on {node} answered {status}")
        return metric_sum(body.decode("utf-8", "replace"), name)


def metric_sum(text, name):
    total = 0.0
    for line in text.splitlines():
        match = re.match(re.escape(name) + r"(\{[^}]*\})?\s+(\S+)$", line)
        if match:
            total += float(match.group(2))
    return total


def member_state(topology, member):
    for entry in topology.get("members", []):
        if entry.get("id") == member:
            return entry.get("state")
    return None


def settled(topology, member, final_state):
    """The change is over: no moves left and the member in its final state."""
    return not topology.get("moves") and member_state(topology, member) == final_state


class Background(threading.Thread):
    """A command run to completion in a thread, so that the topology can be watched meanwhile."""

    def __init__(self, name, action):
        super().__init__(name=name, daemon=True)
        self.action, self.error, self.ended = action, None, None

    def run(self):
        try:
            self.action()
        except Exception as error:  # noqa: BLE001 - reported with the step, never lost
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.ended = time.monotonic()


class ChangeWatch:
    """Polls the topology until a change has settled; notes when each phase was first seen, when the
    member first appeared in the topology (the join committed) and when the change settled."""

    def __init__(self, admin, member, final_state, clock, interval=0.2):
        self.admin, self.member, self.final_state = admin, member, final_state
        self.clock, self.interval = clock, interval
        self.phases = {}  # phase -> first time seen
        self.appeared = None  # first time the member showed in a state other than final_state (or at all)
        self.settled_at = None
        self.last = None
        self.poll_errors = 0

    def observe(self, topology, now):
        """Takes one topology in; returns True once the change has settled."""
        self.last = topology
        for move in topology.get("moves", []):
            self.phases.setdefault(move.get("phase"), now)
        state = member_state(topology, self.member)
        if state is not None and state != self.final_state and self.appeared is None:
            self.appeared = now
        if self.appeared is not None or self.phases:
            if settled(topology, self.member, self.final_state):
                self.settled_at = now
                return True
        return False

    def poll(self, nodes=None):
        try:
            topology = self.admin.topology(nodes)
        except AdminError:
            self.poll_errors += 1
            return False
        return self.observe(topology, self.clock())

    def current_phase(self):
        moves = (self.last or {}).get("moves") or []
        return moves[0].get("phase") if moves else None

    def wait(self, deadline, commands=(), nodes=None, on_poll=None):
        """Polls until the change has settled and every command has ended, or the deadline passes;
        True when it settled. on_poll(self) runs after each poll (to act at a phase)."""
        while time.monotonic() < deadline:
            done = self.settled_at is not None or self.poll(nodes)
            if on_poll is not None:
                on_poll(self)
            if done and all(command.ended is not None for command in commands):
                return True
            time.sleep(self.interval)
        return False


def window_stats(ops, start, end):
    """Availability and latency of the client operations issued in [start, end)."""
    ops = [op for op in ops if start <= op["start"] < end and op.get("phase") in (None, "load")]
    writes = [op for op in ops if op["f"] == "write"]
    reads = [op for op in ops if op["f"] == "read"]
    acked = [op for op in writes if op["status"] == OK]
    reads_ok = [op for op in reads if op["status"] == OK]
    ms = lambda values: None if not values else round(values * 1000, 1)  # noqa: E731
    return {
        "seconds": round(end - start, 1),
        "writes": len(writes), "writes_acked": len(acked),
        "write_ack_share": len(acked) / len(writes) if writes else None,
        "write_p50_ms": ms(percentile([op["end"] - op["start"] for op in acked], 50)),
        "write_p99_ms": ms(percentile([op["end"] - op["start"] for op in acked], 99)),
        "reads": len(reads), "reads_ok": len(reads_ok),
        "read_ok_share": len(reads_ok) / len(reads) if reads else None,
        "read_p99_ms": ms(percentile([op["end"] - op["start"] for op in reads_ok], 99)),
        "other_5xx": sum(1 for op in ops if (op.get("code") or 0) >= 500 and op.get("code") != 503),
    }


def newest_acked(ops):
    """key -> the newest version an acknowledged write of it got (None if none was acknowledged)."""
    newest = {}
    for op in ops:
        if op["f"] == "write" and op["status"] == OK and op.get("version"):
            if op["key"] not in newest or newer(op["version"], newest[op["key"]]):
                newest[op["key"]] = op["version"]
    return newest


def placement_problem(answer, n, acked_version=None):
    """Why a GET /admin/keys/{key} answer is not "on exactly its N owners, each with the newest
    acknowledged version or a newer one, nothing pending"; None when it is."""
    owners = answer.get("owners") or []
    if len(owners) != n:
        return f"{len(owners)} owners, not {n}"
    if answer.get("pending"):
        return f"pending owners {[p.get('id') for p in answer['pending']]}"
    errors = [f"{o.get('id')}: {o['error']}" for o in owners if o.get("error")]
    if errors:
        return "owner did not answer: " + "; ".join(errors)
    versions = {o.get("id"): o.get("version") for o in owners}
    if any(v is None for v in versions.values()):
        return f"an owner holds nothing: {versions}"
    if len(set(versions.values())) != 1:
        return f"owners disagree: {versions}"
    held = next(iter(versions.values()))
    if acked_version and held != acked_version and not newer(held, acked_version):
        return f"owners hold {held}, older than the newest acknowledged {acked_version}"
    return None


def selftest(failures):
    """Checks of the pure parts above, for --self-test (no cluster needed)."""
    def expect(what, got, want):
        if got != want:
            failures.append(f"elastic: {what}: got {got!r}, want {want!r}")

    expect("metric sum", metric_sum('# HELP x\nquorumkv_handoff_keys_total 12.0\n'
                                    'quorumkv_handoff_keys_total{a="b"} 3.0\nquorumkv_handoff_keys_totalx 9\n',
                                    "quorumkv_handoff_keys_total"), 15.0)
    owner = lambda node, version: {"id": node, "version": version, "tombstone": False}  # noqa: E731
    good = {"owners": [owner("node1", "5.0.node1"), owner("node2", "5.0.node1"), owner("node4", "5.0.node1")],
            "pending": []}
    expect("placement: good", placement_problem(good, 3, "5.0.node1"), None)
    expect("placement: a late write newer than the ack is fine", placement_problem(good, 3, "4.0.node2"), None)
    expect("placement: older than the ack", placement_problem(good, 3, "6.0.node2") is not None, True)
    expect("placement: two owners", placement_problem({"owners": good["owners"][:2], "pending": []}, 3) is not None,
           True)
    expect("placement: pending", placement_problem(dict(good, pending=[owner("node5", None)]), 3) is not None, True)
    missing = {"owners": [owner("node1", "5.0.node1"), owner("node2", None), owner("node4", "5.0.node1")],
               "pending": []}
    expect("placement: an owner holds nothing", placement_problem(missing, 3) is not None, True)
    down = {"owners": good["owners"][:2] + [{"id": "node4", "error": "no answer"}], "pending": []}
    expect("placement: an owner down", placement_problem(down, 3) is not None, True)

    now = [0.0]
    watch = ChangeWatch(admin=None, member="node4", final_state="NORMAL", clock=lambda: now[0])
    before = {"members": [{"id": "node1", "state": "NORMAL"}], "moves": []}
    expect("watch: before the join commits", watch.observe(before, 1.0), False)
    joining = {"members": [{"id": "node4", "state": "JOINING"}], "moves": [{"partition": 1, "phase": "WRITE_BOTH"}]}
    expect("watch: joining", watch.observe(joining, 2.0), False)
    expect("watch: streaming", watch.observe(dict(joining, moves=[{"phase": "STREAMING"}]), 3.0), False)
    expect("watch: settled", watch.observe({"members": [{"id": "node4", "state": "NORMAL"}], "moves": []}, 9.0), True)
    expect("watch: times", (watch.appeared, watch.phases, watch.settled_at),
           (2.0, {"WRITE_BOTH": 2.0, "STREAMING": 3.0}, 9.0))

    ops = [{"f": "write", "key": "a", "status": OK, "start": 1.0, "end": 1.01, "version": "1.0.n"},
           {"f": "write", "key": "a", "status": OK, "start": 2.0, "end": 2.03, "version": "2.0.n"},
           {"f": "write", "key": "a", "status": "fail", "start": 2.5, "end": 2.6, "code": 503},
           {"f": "read", "key": "a", "status": OK, "start": 3.0, "end": 3.002, "code": 200},
           {"f": "read", "key": "a", "status": "info", "start": 3.5, "end": 3.6, "code": 500},
           {"f": "write", "key": "a", "status": OK, "start": 9.0, "end": 9.5, "version": "3.0.n"}]
    stats = window_stats(ops, 0.0, 5.0)
    expect("window: counts", (stats["writes"], stats["writes_acked"], stats["reads"], stats["reads_ok"]), (3, 2, 2, 1))
    expect("window: p99 and 5xx", (stats["write_p99_ms"], stats["other_5xx"]), (30.0, 1))
    expect("newest acked", newest_acked(ops), {"a": "3.0.n"})
