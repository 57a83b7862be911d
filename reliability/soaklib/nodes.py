"""The cluster for the partition, clock and disk nemeses.

bin/local-cluster runs nodes on 127.0.0.1 with the process's own clock and disk; these nemeses
need more: nodes in network namespaces (listening on their namespace address), a node restarted
with its clock shifted (libfaketime through LD_PRELOAD) and data directories on small tmpfs
mounts. So this cluster starts the JVMs itself, with the same settings as bin/local-cluster
(N/W/R 3/2/2, the same default JAVA_OPTS, a generated secret passed in the environment, any other
QUORUMKV_* setting passed through), and only ever signals the processes it started, by the Popen
objects it holds. Every node it starts carries QKV_SOAK_RUN=<its work dir> in its environment, which
is how `reliability/soak --cleanup` recognises a node left by a crashed run.
"""
import errno
import os
import secrets
import signal
import subprocess
import time

from .client import ready
from .cluster import NODES, ClusterError, check_ports_free

DEFAULT_JAVA_OPTS = "-Xms128m -Xmx384m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"
FAKETIME_LIBS = ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                 "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                 "/usr/lib/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1")
TMPFS_SOURCE = "qkv-soak"  # the device name of the soak's tmpfs mounts in /proc/mounts
MARKER = "QKV_SOAK_RUN"


def faketime_lib():
    for path in [os.environ.get("QKV_FAKETIME_LIB", "")] + list(FAKETIME_LIBS):
        if path and os.path.isfile(path):
            return path
    return None


def our_mounts(mounts_text):
    """Mount points of the soak's tmpfs mounts, deepest first, from /proc/mounts text."""
    points = []
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == TMPFS_SOURCE and fields[2] == "tmpfs":
            points.append(fields[1].replace("\\040", " "))
    return sorted(points, key=len, reverse=True)


class SoakCluster:
    def __init__(self, jar, base_port, workdir, network=None, disk_mb=None):
        self.jar, self.workdir, self.network, self.disk_mb = jar, workdir, network, disk_mb
        self.dir = os.path.join(workdir, "cluster")
        self.data = os.path.join(workdir, "data")
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.data, exist_ok=True)
        self.ports = {node: base_port + i for i, node in enumerate(NODES, start=1)}
        self.hosts = {node: (network.addr(node) if network else "127.0.0.1") for node in NODES}
        self.secret = secrets.token_hex(32)
        self.procs = {}
        self.clock = {}  # node -> the FAKETIME shift it runs with, if any
        self.mounted = []

    # ---- disks ------------------------------------------------------------------------------
    def disk_dir(self, node):
        return os.path.join(self.data, f"{node}-disk")

    def storage_dir(self, node):
        return os.path.join(self.disk_dir(node), "db")

    def filler(self, node):
        return os.path.join(self.disk_dir(node), "qkv-filler")

    def mount_disks(self):
        for node in NODES:
            path = self.disk_dir(node)
            os.makedirs(path, exist_ok=True)
            done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.disk_mb}m,mode=0700", TMPFS_SOURCE,
                                   path], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ClusterError(f"could not mount a {self.disk_mb} MB tmpfs on {path}: {done.stderr.strip()}")
            self.mounted.append(path)

    def fill(self, node):
        """Fills the node's tmpfs to the last byte (appending to the filler, so that it can be
        called again to take whatever space was freed since); returns the bytes written."""
        written = 0
        fd = os.open(self.filler(node), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (1 << 20, 4096):
                block = b"\1" * chunk
                while True:
                    try:
                        written += os.write(fd, block)
                    except OSError as error:
                        if error.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        return written

    def free(self, node):
        try:
            os.unlink(self.filler(node))
        except FileNotFoundError:
            pass

    def disk_free(self, node):
        stat = os.statvfs(self.disk_dir(node))
        return stat.f_bavail * stat.f_frsize

    def unmount_disks(self):
        problems = []
        for path in list(self.mounted):
            done = subprocess.run(["umount", path], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                done = subprocess.run(["umount", "-l", path], capture_output=True, text=True, check=False)
            if done.returncode == 0:
                self.mounted.remove(path)
            else:
                problems.append(f"umount {path}: {done.stderr.strip()}")
        return problems

    # ---- nodes ------------------------------------------------------------------------------
    def check_ports_free(self):
        if self.network:
            return  # fresh namespaces: nothing else listens there
        check_ports_free(self.ports)

    def _members(self):
        return ",".join(f"{n}=http://{self.hosts[n]}:{self.ports[n]}" for n in NODES)

    def _env(self, node, shift):
        env = {k: v for k, v in os.environ.items()
               if k not in ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")}
        env.update({
            "QUORUMKV_NODEID": node, "QUORUMKV_CLUSTER_MEMBERS": self._members(),
            "QUORUMKV_CLUSTER_SECRET": self.secret, "QUORUMKV_STORAGE_DIR": self.storage_dir(node),
            "QUORUMKV_REPLICATION_N": os.environ.get("QUORUMKV_REPLICATION_N", "3"),
            "QUORUMKV_REPLICATION_W": os.environ.get("QUORUMKV_REPLICATION_W", "2"),
            "QUORUMKV_REPLICATION_R": os.environ.get("QUORUMKV_REPLICATION_R", "2"),
            "SERVER_PORT": str(self.ports[node]), "SERVER_ADDRESS": self.hosts[node], MARKER: self.workdir,
        })
        if shift:
            lib = faketime_lib()
            if lib is None:
                raise ClusterError("libfaketime.so.1 not found (apt-get install faketime, or set QKV_FAKETIME_LIB)")
            # A constant offset: the wall clock jumps by `shift` and then runs at the true rate. The
            # monotonic clock moves by the same constant, which changes no interval the JVM measures
            # (timeouts, the failure detector); FAKETIME_DONT_FAKE_MONOTONIC=1 would keep it untouched
            # but made every clock call of the JVM about six times slower here (measured).
            env.update(LD_PRELOAD=lib, FAKETIME=shift)
        return env

    def _launch(self, node, shift=None):
        os.makedirs(self.storage_dir(node), exist_ok=True)
        log_path = os.path.join(self.dir, f"{node}.log")
        prefix = self.network.exec_prefix(node) if self.network else []
        opts = os.environ.get("JAVA_OPTS", DEFAULT_JAVA_OPTS).split()
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"==== {time.strftime('%Y-%m-%dT%H:%M:%S%z')} soak: starting {node} on "
                      f"{self.hosts[node]}:{self.ports[node]}{f' with FAKETIME={shift}' if shift else ''} ====\n")
            log.flush()
            # `ip netns exec` execs the command, so the Popen's pid is the JVM's.
            self.procs[node] = subprocess.Popen(prefix + ["java", *opts, "-jar", self.jar], env=self._env(node, shift),
                                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)
        self.clock[node] = shift

    def up(self):
        for node in NODES:
            self._launch(node)
        for node in NODES:
            self.wait_ready(node)

    def alive(self, node):
        proc = self.procs.get(node)
        return proc is not None and proc.poll() is None

    def _signal(self, node, signum):
        if not self.alive(node):
            raise ClusterError(f"{node} is not running")
        self.procs[node].send_signal(signum)

    def kill(self, node):
        self._signal(node, signal.SIGKILL)
        self.procs[node].wait(30)

    def pause(self, node):
        self._signal(node, signal.SIGSTOP)

    def resume(self, node):
        self._signal(node, signal.SIGCONT)

    def start(self, node, shift=None):
        if self.alive(node):
            raise ClusterError(f"{node} is already running")
        self._launch(node, shift)

    def stop(self, node, timeout=30):
        """Graceful stop (SIGTERM; SIGKILL after timeout); True if it had to be killed."""
        if not self.alive(node):
            return False
        proc = self.procs[node]
        proc.send_signal(signal.SIGCONT)  # a stopped JVM cannot run its shutdown hooks
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
            return False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)
            return True

    def is_ready(self, node, timeout=1.0):
        return ready(self.ports[node], timeout, self.hosts[node])

    def wait_ready(self, node, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_ready(node):
                return
            if not self.alive(node):
                raise ClusterError(f"{node} exited (status {self.procs[node].returncode}) instead of becoming "
                                   f"ready; see {node}.log")
            time.sleep(0.2)
        raise ClusterError(f"{node} did not become ready within {timeout}s")

    def pids(self):
        return {node: proc.pid for node, proc in self.procs.items() if proc.poll() is None}

    def logs(self):
        return [os.path.join(self.dir, f"{node}.log") for node in NODES
                if os.path.exists(os.path.join(self.dir, f"{node}.log"))]

    def teardown(self):
        problems = []
        for node in NODES:
            try:
                if self.stop(node):
                    problems.append(f"{node} did not stop within 30 s and was killed")
            except OSError as error:
                problems.append(f"stopping {node}: {error}")
        for node in NODES:
            try:
                self.free(node)
            except OSError:
                pass
        return problems


def kill_leftover_nodes():
    """For --cleanup: kills java processes a soak started (QKV_SOAK_RUN in their environment)."""
    killed = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as file:
                environ = file.read().split(b"\0")
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                cmdline = file.read()
        except OSError:
            continue
        if b"java" in cmdline and any(item.startswith(MARKER.encode() + b"=") for item in environ):
            try:
                os.kill(int(entry), signal.SIGCONT)
                os.kill(int(entry), signal.SIGKILL)
                killed.append(int(entry))
            except OSError:
                pass
    return killed
