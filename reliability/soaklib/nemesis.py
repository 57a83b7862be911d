"""The nemesis: crashes (kill -9, then restart) and pauses (SIGSTOP, then SIGCONT) nodes
on a random schedule drawn from the seed, and logs every step with its time."""
import json
import threading
import time

from .cluster import NODES, ClusterError


class Nemesis(threading.Thread):
    def __init__(self, cluster, rng, epoch, deadline, log_file, two_faults=False,
                 warmup=5.0, pause_hold=(2.0, 8.0), kill_hold=(1.0, 4.0), gap=(3.0, 6.0)):
        """A pause lasts pause_hold seconds; a killed node stays down kill_hold seconds and
        then for as long as its JVM takes to start and become ready."""
        super().__init__(name="nemesis", daemon=True)
        self.cluster, self.rng, self.epoch, self.deadline = cluster, rng, epoch, deadline
        self.log_file, self.two_faults = log_file, two_faults
        self.warmup, self.pause_hold, self.kill_hold, self.gap = warmup, pause_hold, kill_hold, gap
        self.events = []
        self.faulty = {}  # node -> "kill" | "pause", faults not yet healed
        self.errors = []
        self.stopped = threading.Event()

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

    def run(self):
        try:
            self._wait(self.warmup)
            count = 0
            # A new fault starts only if it can be healed with some run left after it.
            while not self.stopped.is_set() and self.deadline - time.monotonic() > self.pause_hold[1] + 2:
                count += 1
                double = self.two_faults and count % 2 == 0
                nodes = self.rng.sample(NODES, 2 if double else 1)
                kinds = [self.rng.choice(("kill", "pause")) for _ in nodes]
                hold = self.rng.uniform(*(self.pause_hold if "pause" in kinds else self.kill_hold))
                for node, kind in zip(nodes, kinds):
                    self._inject(node, kind)
                self._wait(hold)
                self.heal_all()
                self._wait(self.rng.uniform(*self.gap))
        except ClusterError as error:
            self.errors.append(str(error))
            self._log("error", None, message=str(error))
            self.heal_all()

    def _inject(self, node, kind):
        self._log(kind, node, fault="start")
        self.faulty[node] = kind
        if kind == "kill":
            self.cluster.kill(node)
        else:
            self.cluster.pause(node)

    def heal_all(self):
        """Resumes paused nodes first (fast), then restarts killed ones and waits until ready."""
        for node, kind in sorted(self.faulty.items(), key=lambda item: item[1] != "pause"):
            try:
                if kind == "pause":
                    self.cluster.resume(node)
                    self._log("resume", node, fault="end")
                else:
                    self.cluster.start(node)
                    self._log("start", node)
                    self.cluster.wait_ready(node)
                    self._log("ready", node, fault="end")
                del self.faulty[node]
            except ClusterError as error:
                self.errors.append(str(error))
                self._log("error", node, message=str(error))

    def stop(self):
        self.stopped.set()
        self.join()
        self.heal_all()
