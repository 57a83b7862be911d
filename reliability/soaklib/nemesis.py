"""The nemesis: injects faults on a random schedule drawn from the seed, heals them, and logs
every step with its time. Fault kinds:

  kill               kill -9 a node, restart it after kill_hold s (the fault lasts until it is ready)
  pause              SIGSTOP a node for pause_hold s, then SIGCONT
  partition-isolate  cut one node from both others (iptables DROP) for partition_hold s
  partition-bridge   split a|b|c: a and c cannot reach each other, b (the bridge) sees both
  clock              stop a node, restart it with its wall clock shifted (libfaketime, +-skew),
                     keep it so for clock_hold s once it is ready (or 90 s without), then
                     restart it on the true clock (the fault lasts from the stop until it is
                     ready on the true clock)
  disk               fill the node's data tmpfs to the last byte, restart the node while it is
                     full and keep it full (space freed is taken again every 0.3 s) until the
                     start-up ends (ready, or exited) and then disk_hold s more, free it, and start the node again if it exited or is not
                     ready 120 s later (the fault lasts until it is ready)

With only kill and pause the schedule is the one the soak always drew (same seed, same faults).
With other kinds, the kinds are drawn from a shuffled bag (every kind once per round, the
slowest to heal, disk and clock, first), so that a short run sees each of them; a fault starts only if it
can be healed with some run left (clock and disk faults are budgeted two JVM restarts).
"""
import json
import subprocess
import threading
import time

from .cluster import NODES, ClusterError
from .netns import NetnsError

PROCESS_KINDS = ("kill", "pause")
NEW_KINDS = ("partition-isolate", "partition-bridge", "clock", "disk")
ALL_KINDS = PROCESS_KINDS + NEW_KINDS
FAULT_GROUPS = {"partition": ("partition-isolate", "partition-bridge")}


def expand_faults(text):
    """'kill,pause,partition' -> ('kill', 'pause', 'partition-isolate', 'partition-bridge')."""
    kinds = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        members = FAULT_GROUPS.get(name, (name,))
        for kind in members:
            if kind not in ALL_KINDS:
                raise ValueError(f"unknown fault '{name}' (known: {', '.join(ALL_KINDS + tuple(FAULT_GROUPS))})")
            if kind not in kinds:
                kinds.append(kind)
    if not kinds:
        raise ValueError("no fault kinds given")
    return tuple(kinds)


class Holds:
    def __init__(self, kill=(1.0, 4.0), pause=(2.0, 8.0), partition=(4.0, 8.0), clock=(5.0, 10.0),
                 disk=(3.0, 8.0), gap=(3.0, 6.0), restart=25.0):
        self.kill, self.pause, self.partition, self.clock, self.disk, self.gap = kill, pause, partition, clock, disk, gap
        self.restart = restart  # what a JVM restart is budgeted when deciding whether a fault fits

    def of(self, kind):
        return self.partition if kind.startswith("partition") else getattr(self, kind)

    def needed(self, kind):
        """Seconds of run a fault of this kind needs to be injected and healed."""
        if kind in PROCESS_KINDS:
            return self.pause[1] + 2
        if kind in ("clock", "disk"):
            return self.of(kind)[1] + 2 * self.restart
        return self.of(kind)[1] + 2


class Planner:
    """Draws the faults. next() returns (list of (node, kind, nodes involved), hold) or None."""

    def __init__(self, rng, kinds, two_faults=False, holds=None):
        self.rng, self.kinds, self.two_faults = rng, tuple(kinds), two_faults
        self.holds = holds or Holds()
        self.legacy = set(self.kinds) <= set(PROCESS_KINDS)
        self.bag = []
        self.count = 0

    def next(self, remaining):
        if self.legacy:
            if remaining <= self.holds.pause[1] + 2:
                return None
            self.count += 1
            double = self.two_faults and self.count % 2 == 0
            nodes = self.rng.sample(NODES, 2 if double else 1)
            kinds = [self.rng.choice(self.kinds) for _ in nodes]
            hold = self.rng.uniform(*(self.holds.pause if "pause" in kinds else self.holds.kill))
            return [(node, kind, [node]) for node, kind in zip(nodes, kinds)], hold
        if not self.bag:
            self.bag = list(self.kinds)
            self.rng.shuffle(self.bag)
        fitting = [kind for kind in self.bag if remaining > self.holds.needed(kind)]
        if not fitting:
            # What is left of this round does not fit; a new round may (the quick kinds).
            self.bag = list(self.kinds)
            self.rng.shuffle(self.bag)
            fitting = [kind for kind in self.bag if remaining > self.holds.needed(kind)]
        if not fitting:
            return None
        # The slowest to heal first in each round, so that a short run still sees it.
        kind = max(fitting, key=self.holds.needed)
        self.bag.remove(kind)
        self.count += 1
        if kind == "partition-bridge":
            a, b, c = self.rng.sample(NODES, 3)
            faults = [(b, kind, [a, b, c])]
        elif kind == "partition-isolate":
            x = self.rng.choice(NODES)
            faults = [(x, kind, [x] + [n for n in NODES if n != x])]
        else:
            node = self.rng.choice(NODES)
            faults = [(node, kind, [node])]
            if kind in PROCESS_KINDS and self.two_faults and self.count % 2 == 0:
                other = self.rng.choice([n for n in NODES if n != node])
                faults.append((other, self.rng.choice(PROCESS_KINDS), [other]))
        return faults, self.rng.uniform(*self.holds.of(kind))


class Nemesis(threading.Thread):
    def __init__(self, cluster, rng, epoch, deadline, log_file, two_faults=False, warmup=5.0, kinds=PROCESS_KINDS,
                 network=None, skew=120, holds=None, skew_signs=(1, -1)):
        super().__init__(name="nemesis", daemon=True)
        self.cluster, self.rng, self.epoch, self.deadline = cluster, rng, epoch, deadline
        self.log_file, self.warmup, self.network, self.skew = log_file, warmup, network, skew
        self.skew_signs = skew_signs
        self.holds = holds or Holds()
        self.planner = Planner(rng, kinds, two_faults, self.holds)
        self.events = []
        self.faulty = {}  # node -> kind, faults not yet healed
        self.errors = []
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def _log(self, action, node, fault=None, **extra):
        event = {"type": "nemesis", "time": round(time.monotonic() - self.epoch, 6), "action": action,
                 "node": node, **({"fault": fault} if fault else {}), **extra}
        self.events.append(event)
        self.log_file.write(json.dumps(event) + "\n")
        self.log_file.flush()

    def _wait(self, seconds):
        """Sleeps, but never past the deadline; False once the run is over."""
        remaining = min(seconds, self.deadline - time.monotonic())
        if remaining > 0:
            self.stopped.wait(remaining)
        return not self.stopped.is_set() and time.monotonic() < self.deadline

    def _full_disks(self):
        with self.lock:
            return [node for node, kind in self.faulty.items() if kind == "disk"]

    def _hold(self, seconds, until=None):
        """Waits like _wait, but keeps every full disk full: space the node frees (RocksDB
        deletes a WAL it had pre-allocated) is taken again every 0.3 s. Ends early when
        until() is true; False once the run is over."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0 or (until is not None and until()):
                return True
            disks = self._full_disks()
            if not self._wait(min(left, 0.3) if disks else left):
                return False
            for node in disks:
                self.cluster.fill(node)

    def run(self):
        try:
            self._wait(self.warmup)
            while not self.stopped.is_set():
                drawn = self.planner.next(self.deadline - time.monotonic())
                if drawn is None:
                    break
                faults, hold = drawn
                for node, kind, nodes in faults:
                    self._inject(node, kind, nodes)
                self._hold(hold)
                self.heal_all()
                self._wait(self.rng.uniform(*self.holds.gap))
        except (ClusterError, NetnsError, OSError, subprocess.SubprocessError) as error:
            self.errors.append(str(error))
            self._log("error", None, message=str(error))
            self.heal_all()

    def _inject(self, node, kind, nodes):
        with self.lock:
            self.faulty[node] = kind
        if kind == "kill":
            self._log(kind, node, fault="start")
            self.cluster.kill(node)
        elif kind == "pause":
            self._log(kind, node, fault="start")
            self.cluster.pause(node)
        elif kind.startswith("partition"):
            self._log(kind, node, fault="start", nodes=nodes)
            pairs = self.network.cut(kind, nodes)
            self._log("cut", node, links=[list(p) for p in pairs])
        elif kind == "clock":
            shift = f"{self.rng.choice(self.skew_signs) * self.skew:+d}s"
            self._log(kind, node, fault="start", shift=shift)
            self.cluster.stop(node)
            self._log("stopped", node)
            self.cluster.start(node, shift=shift)
            self._log("start", node, shift=shift)
            try:
                self.cluster.wait_ready(node, timeout=90)
                self._log("ready", node, shift=shift)
            except ClusterError as error:  # a node may refuse to serve with a clock that far off
                self._log("not-ready", node, shift=shift, message=str(error))
        elif kind == "disk":
            self._log(kind, node, fault="start")
            written = self.cluster.fill(node)
            self._log("filled", node, bytes=written, free=self.cluster.disk_free(node))
            # A running RocksDB writes into WAL space it pre-allocated (tens of MB): a full disk
            # only bites when it must create files. So, half-way, the node is restarted while the
            # disk is still full: its shutdown flush and its start-up (recovery, new WAL and
            # MANIFEST) then need space there is not.
            self._hold(self.rng.uniform(1.0, 3.0))
            self.cluster.stop(node)
            self._log("stopped", node, free=self.cluster.disk_free(node))
            self.cluster.fill(node)
            self.cluster.start(node)
            self._log("start", node, reason="restart while the disk is full")
            # Full until the start-up has got somewhere: ready, exited, or 90 s without either.
            self._hold(90, until=lambda: not self.cluster.alive(node) or self.cluster.is_ready(node, 0.5))
            self._log("status-while-full", node, alive=self.cluster.alive(node), ready=self.cluster.is_ready(node),
                      exit_status=None if self.cluster.alive(node) else self.cluster.procs[node].returncode)
        else:
            raise ValueError(kind)

    def _heal(self, node, kind):
        if kind == "pause":
            self.cluster.resume(node)
            self._log("resume", node, fault="end")
        elif kind.startswith("partition"):
            problems = self.network.heal()
            if problems:
                raise NetnsError("; ".join(problems))
            self._log("heal", node, fault="end")
        elif kind == "disk":
            self.cluster.free(node)
            self._log("freed", node)
            try:
                self.cluster.wait_ready(node, timeout=120)
            except ClusterError as error:
                self._log("not-ready", node, message=str(error))
                self.cluster.stop(node)
                self.cluster.start(node)
                self._log("start", node, reason="not ready after the disk was freed")
                self.cluster.wait_ready(node)
            self._log("ready", node, fault="end")
        elif kind == "kill":
            self.cluster.start(node)
            self._log("start", node)
            self.cluster.wait_ready(node)
            self._log("ready", node, fault="end")
        elif kind == "clock":
            self.cluster.stop(node)
            self._log("stopped", node)
            self.cluster.start(node)
            self._log("start", node, shift=None)
            self.cluster.wait_ready(node)
            self._log("ready", node, fault="end")

    def heal_all(self):
        """Resumes paused nodes first (fast), heals partitions and disks, then restarts killed
        and clock-shifted nodes and waits until they are ready."""
        order = {"pause": 0, "partition-isolate": 1, "partition-bridge": 1, "disk": 2, "kill": 3, "clock": 4}
        with self.lock:
            pending = sorted(self.faulty.items(), key=lambda item: order[item[1]])
        for node, kind in pending:
            try:
                self._heal(node, kind)
                with self.lock:
                    self.faulty.pop(node, None)
            except (ClusterError, NetnsError, OSError, subprocess.SubprocessError) as error:
                self.errors.append(str(error))
                self._log("error", node, message=str(error))

    def stop(self):
        self.stopped.set()
        self.join()
        self.heal_all()
