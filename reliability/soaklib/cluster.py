"""Drives bin/local-cluster for the soak, in a fresh directory of its own, loopback only."""
import os
import signal
import socket
import subprocess
import time

from .client import ready

NODES = ("node1", "node2", "node3")


class ClusterError(Exception):
    pass


def check_ports_free(ports):
    """Raises ClusterError if anything listens on one of the {node: port} loopback ports."""
    for node, port in ports.items():
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise ClusterError(f"port {port} ({node}) is already in use; is another soak running? "
                                   "Pick another range with --base-port.")


class LocalCluster:
    def __init__(self, repo, jar, base_port, workdir, nodes=NODES):
        """nodes: every node this run may start (node4, node5, ... for membership changes), so that
        ports, pids, logs and the teardown cover them too."""
        self.nodes = tuple(nodes)
        self.script = os.path.join(repo, "bin", "local-cluster")
        self.dir = os.path.join(workdir, "cluster")
        self.env = dict(os.environ, QUORUMKV_LOCAL_BASE_PORT=str(base_port), QUORUMKV_LOCAL_DIR=self.dir,
                        QUORUMKV_LOCAL_DATA=os.path.join(workdir, "data"), QUORUMKV_JAR=jar)
        self.ports = {node: base_port + int(node[len("node"):]) for node in self.nodes}

    def _run(self, *args, timeout=180):
        try:
            done = subprocess.run([self.script, *args], env=self.env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise ClusterError(f"bin/local-cluster {' '.join(args)} took longer than {timeout}s") from error
        if done.returncode != 0:
            raise ClusterError(f"bin/local-cluster {' '.join(args)} exited {done.returncode}: "
                               f"{(done.stderr or done.stdout).strip()[-2000:]}")
        return done.stdout

    def check_ports_free(self):
        check_ports_free(self.ports)

    @property
    def secret(self):
        """The cluster secret bin/local-cluster made for this cluster, for the admin API."""
        with open(os.path.join(self.dir, "secret"), encoding="utf-8") as file:
            return file.read().strip()

    def up(self):
        self._run("up", timeout=300)

    def kill(self, node):
        self._run("kill", node)

    def pause(self, node):
        self._run("pause", node)

    def resume(self, node):
        self._run("resume", node)

    def start(self, node):
        self._run("start", node, timeout=180)

    def wait_ready(self, node, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready(self.ports[node], 1.0):
                return
            time.sleep(0.2)
        raise ClusterError(f"{node} did not become ready within {timeout}s")

    def pids(self):
        pids = {}
        for node in self.nodes:
            try:
                with open(os.path.join(self.dir, f"{node}.pid"), encoding="utf-8") as file:
                    pids[node] = int(file.read().strip())
            except (OSError, ValueError):
                pass
        return pids

    def logs(self):
        return [os.path.join(self.dir, f"{node}.log") for node in self.nodes
                if os.path.exists(os.path.join(self.dir, f"{node}.log"))]

    def teardown(self):
        """Resumes every node (a stopped JVM ignores SIGTERM), stops the cluster, then
        makes sure no node this run started survives, by the PIDs it recorded."""
        pids = self.pids()
        for node in self.nodes:
            if node not in pids:
                continue  # never started (or stopped for good): nothing to resume
            try:
                self.resume(node)
            except ClusterError:
                pass
        problems = []
        try:
            self._run("down", timeout=120)
        except ClusterError as error:
            problems.append(str(error))
        pids.update(self.pids())  # in case 'down' failed half-way
        for node, pid in pids.items():
            if _is_our_java(pid, self.dir):
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
                problems.append(f"{node} (pid {pid}) survived 'down' and was killed")
        return problems


def _is_our_java(pid, cluster_dir):
    """Only a live java process whose command line or environment names this run's
    directory is ours (a recorded PID may have been reused by now)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            cmdline = file.read().decode("utf-8", "replace")
        with open(f"/proc/{pid}/environ", "rb") as file:
            environ = file.read().decode("utf-8", "replace")
    except OSError:
        return False
    workdir = os.path.dirname(cluster_dir)
    return "java" in cmdline and (workdir in cmdline or workdir in environ)
