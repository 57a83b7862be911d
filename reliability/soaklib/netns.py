"""Network namespaces for the partition nemesis.

Layout (everything is created by the soak and carries the qkv- prefix; nothing is added to
the root namespace, not even a route):

    qkv-br   a bridge namespace: Linux bridge qkvbr0 with the client address 10.213.0.1/24
    qkv-nI   one namespace per node: lo and eth0 (10.213.0.1I/24), whose veth peer qkv-vI
             sits in qkv-br on the bridge; no default route, so nothing can leave another way

The nodes run in their namespaces (`ip netns exec qkv-nI java ...`) and listen on their
address. The soak's own process moves its main thread into qkv-br (setns) before it starts the
client, balancer and nemesis threads, which inherit it, so the clients reach every node over the
bridge and the root namespace is left alone; it moves back before the clean-up.

A partition is a set of cut links; a cut link between x and y is a pair of DROP rules (source
and destination) in each of the two node namespaces, in a chain of their own (QKV-PART, jumped
to from INPUT and OUTPUT), so packets are dropped, not refused, and links stay up. The client
address is never cut: a partitioned coordinator still gets requests and answers them as it can.
Healing flushes the chains.
"""
import ctypes
import os
import subprocess
import time

PREFIX = "qkv-"
BRIDGE_NS = "qkv-br"
BRIDGE_DEV = "qkvbr0"
SUBNET = "10.213.0"
CLIENT_ADDR = f"{SUBNET}.1"
CHAIN = "QKV-PART"
CLONE_NEWNET = 0x40000000


class NetnsError(Exception):
    pass


class NetnsBusy(NetnsError):
    """The soak's namespace names are taken: another soak runs, or one crashed."""


def node_ns(index):
    return f"qkv-n{index}"


def node_addr(index):
    return f"{SUBNET}.{10 + index}"


def our_namespaces(listed):
    """Of the namespace names listed, the ones the soak may have made (and so may remove)."""
    names = [BRIDGE_NS] + [node_ns(i) for i in range(1, 10)]
    return [name for name in listed if name in names]


def cut_pairs(kind, nodes):
    """The links a partition cuts. isolate [x]: x from every other node; bridge [a, b, c]:
    a from c only (b, the bridge, still sees both)."""
    if kind == "partition-isolate":
        x = nodes[0]
        return [(x, other) for other in nodes[1:]]
    if kind == "partition-bridge":
        a, _, c = nodes
        return [(a, c)]
    raise ValueError(kind)


def drop_rules(pairs, addr):
    """(namespace node, iptables arguments) for every DROP rule that cuts the pairs; addr maps a
    node to its address. Both ends drop both directions, so no half-open link remains."""
    rules = []
    for x, y in pairs:
        for here, there in ((x, y), (y, x)):
            rules.append((here, ["-A", CHAIN, "-s", addr(there), "-j", "DROP"]))
            rules.append((here, ["-A", CHAIN, "-d", addr(there), "-j", "DROP"]))
    return rules


def _run(cmd, check=True, timeout=30):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise NetnsError(f"{' '.join(cmd)} exited {done.returncode}: {(done.stderr or done.stdout).strip()}")
    return done


class Network:
    """The soak's namespaces for `count` nodes (node1..nodeN are indexes 1..N)."""

    def __init__(self, nodes, run=_run):
        self.nodes = list(nodes)
        self.run = run
        self._home = None
        self.inside = False
        self.killed = []  # pids the last clean-up found in a node namespace and killed

    def index(self, node):
        return self.nodes.index(node) + 1

    def addr(self, node):
        return node_addr(self.index(node))

    def ns(self, node):
        return node_ns(self.index(node))

    def exec_prefix(self, node):
        return ["ip", "netns", "exec", self.ns(node)]

    @staticmethod
    def unavailable_reason():
        """Why namespaces cannot be made here, or None."""
        if os.geteuid() != 0:
            return "not running as root (network namespaces and iptables need root)"
        for tool in ("ip", "iptables"):
            if not any(os.access(os.path.join(d, tool), os.X_OK) for d in os.environ.get("PATH", "").split(":")
                       + ["/usr/sbin", "/sbin"]):
                return f"'{tool}' is not installed (apt-get install iproute2 iptables)"
        return None

    def existing(self):
        done = self.run(["ip", "netns", "list"], check=False)
        return our_namespaces([line.split()[0] for line in done.stdout.splitlines() if line.strip()])

    def setup(self):
        left = self.existing()
        if left:
            raise NetnsBusy(f"namespaces {', '.join(left)} already exist: another soak is running, or one "
                             "crashed (reliability/soak --cleanup removes its leftovers)")
        try:
            self.run(["ip", "netns", "add", BRIDGE_NS])
            self.run(["ip", "-n", BRIDGE_NS, "link", "set", "lo", "up"])
            self.run(["ip", "-n", BRIDGE_NS, "link", "add", BRIDGE_DEV, "type", "bridge"])
            self.run(["ip", "-n", BRIDGE_NS, "addr", "add", f"{CLIENT_ADDR}/24", "dev", BRIDGE_DEV])
            self.run(["ip", "-n", BRIDGE_NS, "link", "set", BRIDGE_DEV, "up"])
            for node in self.nodes:
                i, ns = self.index(node), self.ns(node)
                self.run(["ip", "netns", "add", ns])
                self.run(["ip", "-n", ns, "link", "set", "lo", "up"])
                self.run(["ip", "-n", BRIDGE_NS, "link", "add", f"qkv-v{i}", "type", "veth",
                          "peer", "name", "eth0", "netns", ns])
                self.run(["ip", "-n", BRIDGE_NS, "link", "set", f"qkv-v{i}", "master", BRIDGE_DEV])
                self.run(["ip", "-n", BRIDGE_NS, "link", "set", f"qkv-v{i}", "up"])
                self.run(["ip", "-n", ns, "addr", "add", f"{self.addr(node)}/24", "dev", "eth0"])
                self.run(["ip", "-n", ns, "link", "set", "eth0", "up"])
                self._iptables(node, "-N", CHAIN)
                self._iptables(node, "-A", "INPUT", "-j", CHAIN)
                self._iptables(node, "-A", "OUTPUT", "-j", CHAIN)
        except (NetnsError, OSError, subprocess.TimeoutExpired) as error:
            self.cleanup()
            raise NetnsError(f"could not set up the network namespaces: {error}") from error

    def _iptables(self, node, *args):
        return self.run(self.exec_prefix(node) + ["iptables", "-w", *args])

    def cut(self, kind, nodes):
        """Cuts the links of a partition (see cut_pairs); returns the pairs cut."""
        pairs = cut_pairs(kind, nodes)
        for node, rule in drop_rules(pairs, self.addr):
            self._iptables(node, *rule)
        return pairs

    def heal(self):
        problems = []
        for node in self.nodes:
            try:
                self._iptables(node, "-F", CHAIN)
            except (NetnsError, OSError, subprocess.TimeoutExpired) as error:
                problems.append(str(error))
        return problems

    def enter(self):
        """Moves the calling thread (the main thread, before any other starts) into qkv-br."""
        if self._home is None:
            self._home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open(f"/run/netns/{BRIDGE_NS}", os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)
        self.inside = True

    def leave(self):
        if self._home is not None and self.inside:
            _setns(self._home)
            self.inside = False

    def cleanup(self):
        """Removes whatever of the soak's namespaces exists; safe to call again and again.
        Processes still inside a node namespace can only have been started there by a soak:
        they are killed first, or the namespace (and its veth) would outlive its name."""
        problems = []
        try:
            self.leave()
        except OSError as error:
            problems.append(f"could not return to the root network namespace: {error}")
        for ns in self.existing():
            if ns != BRIDGE_NS:
                pids = self.run(["ip", "netns", "pids", ns], check=False).stdout.split()
                for pid in pids:
                    try:
                        os.kill(int(pid), 9)
                        self.killed.append(int(pid))
                    except (OSError, ValueError):
                        pass
                for _ in range(50):  # a namespace with a process left in it outlives its name
                    if not self.run(["ip", "netns", "pids", ns], check=False).stdout.split():
                        break
                    time.sleep(0.1)
            done = self.run(["ip", "netns", "del", ns], check=False)
            if done.returncode != 0:
                problems.append(f"ip netns del {ns}: {(done.stderr or '').strip()}")
        return problems


def _setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")
