"""Soak clients: each key has one writer thread; any thread reads any key.

Requests go to nodes the way a load balancer would send them: to a random node that
passes its /readyz probe, and to another one when a connection cannot be made (nothing
was sent, so that is still the same operation). A request that was sent and then timed
out or broke is indeterminate; the client's next request is a new operation.
"""
import http.client
import json
import random
import select
import threading
import time
import urllib.parse

from .checker import FAIL, INFO, OK, newer

HOST = "127.0.0.1"


class NotSent(Exception):
    """No connection could be made: the request reached no node."""


class Indeterminate(Exception):
    """The request was sent but no answer came back: its effect is unknown."""


class Balancer:
    """Random choice among nodes that pass an active /readyz probe (a paused node
    accepts connections but never answers, so only a probe or a timeout reveals it)."""

    def __init__(self, ports, interval=0.25, timeout=0.5, hosts=None):
        self.ports = ports
        self.hosts = hosts or {node: HOST for node in ports}
        self.healthy = {node: True for node in ports}
        self.interval, self.timeout = interval, timeout
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._probe, args=(node,), daemon=True) for node in ports]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopped.set()
        for thread in self.threads:
            thread.join()

    def _probe(self, node):
        while not self.stopped.wait(self.interval):
            self.healthy[node] = ready(self.ports[node], self.timeout, self.hosts[node])

    def order(self, rng):
        up = [n for n in self.ports if self.healthy[n]]
        down = [n for n in self.ports if not self.healthy[n]]
        rng.shuffle(up)
        rng.shuffle(down)
        return up + down

    def mark_down(self, node):
        self.healthy[node] = False  # until the next successful probe


def ready(port, timeout, host=HOST):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _dropped(sock):
    """An idle keep-alive socket that is readable has been closed by the peer."""
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class Client:
    """One client thread's connections and history; not shared between threads."""

    def __init__(self, name, balancer, epoch, timeout, seed, use_context=True):
        self.name, self.balancer, self.epoch, self.timeout = name, balancer, epoch, timeout
        self.rng = random.Random(seed)
        self.use_context = use_context
        self.conns = {}
        self.context = {}  # key -> newest version seen, sent back as X-Context
        self.history = []

    def _connection(self, node):
        conn = self.conns.get(node)
        if conn is not None and conn.sock is not None and _dropped(conn.sock):
            conn.close()
        if conn is None:
            conn = http.client.HTTPConnection(self.balancer.hosts[node], self.balancer.ports[node],
                                              timeout=self.timeout)
            self.conns[node] = conn
        if conn.sock is None:
            try:
                conn.connect()
            except OSError as error:
                conn.close()
                raise NotSent(error) from error
        return conn

    def _send(self, method, path, body=None, headers=None):
        """Returns (node, status, headers, body); raises NotSent or Indeterminate."""
        errors = []
        for node in self.balancer.order(self.rng):
            try:
                conn = self._connection(node)
            except NotSent as error:
                self.balancer.mark_down(node)
                errors.append(f"{node}: {error.__cause__}")
                continue
            try:
                conn.request(method, path, body=body, headers=headers or {})
                response = conn.getresponse()
                data = response.read()
                return node, response.status, response.headers, data
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                self.balancer.mark_down(node)
                raise Indeterminate(f"{node}: {type(error).__name__}: {error}") from error
        raise NotSent("; ".join(errors))

    def _now(self):
        return round(time.monotonic() - self.epoch, 6)

    def _remember(self, key, version):
        if version and (key not in self.context or newer(version, self.context[key])):
            self.context[key] = version

    def write(self, key, value, phase=None):
        path = f"/kv/{urllib.parse.quote(key, safe='')}?w=2"
        headers = {"Content-Type": "text/plain"}
        if self.use_context and key in self.context:
            headers["X-Context"] = self.context[key]
        op = {"f": "write", "key": key, "value": value, "client": self.name, "start": self._now()}
        if phase:
            op["phase"] = phase
        def attempt():
            node, status, response_headers, data = self._send("PUT", path, f"{key}:{value}".encode(), headers)
            op.update(node=node, code=status)
            if status == 200:
                version = response_headers.get("X-Version") or _json(data).get("version")
                op.update(status=OK, version=version)
                self._remember(key, version)
            else:
                self._refused(op, status, data)
        return self._run(op, attempt)

    def read(self, key, phase=None):
        path = f"/kv/{urllib.parse.quote(key, safe='')}?r=2"
        op = {"f": "read", "key": key, "value": None, "client": self.name, "start": self._now()}
        if phase:
            op["phase"] = phase
        def attempt():
            node, status, response_headers, data = self._send("GET", path)
            op.update(node=node, code=status, version=response_headers.get("X-Version"))
            if status == 200:
                op.update(status=OK, value=_parse_value(key, data))
                if op["value"] < 0:
                    op["body"] = data[:300].decode("utf-8", "replace")
                self._remember(key, op["version"])
            elif status == 404:
                op.update(status=OK)
            else:
                self._refused(op, status, data)
        return self._run(op, attempt)

    def _run(self, op, attempt):
        """Runs one request, turns transport trouble into the op's status, and records the finished op."""
        try:
            attempt()
        except NotSent as error:
            op.update(status=FAIL, error=f"no node accepted a connection: {error}")
        except Indeterminate as error:
            op.update(status=INFO, error=str(error))
        op["end"] = self._now()
        self.history.append(op)
        return op

    @staticmethod
    def _refused(op, status, data):
        """Any other answer: a 503 or 4xx is a definite failure, anything else leaves the outcome unknown."""
        definite = status == 503 or 400 <= status < 500
        op.update(status=FAIL if definite else INFO, error=data[:300].decode("utf-8", "replace"))

    def close(self):
        for conn in self.conns.values():
            conn.close()


def _json(data):
    try:
        return json.loads(data)
    except ValueError:
        return {}


def _parse_value(key, data):
    """The integer n of a '<key>:<n>' body, or -1 for anything else (a corrupt read)."""
    text = data.decode("utf-8", "replace")
    prefix, _, number = text.rpartition(":")
    return int(number) if prefix == key and number.isdigit() else -1


class Worker(threading.Thread):
    """Writes its own keys with increasing values and reads any key, until the deadline, at
    most `rate` operations a second (0: as fast as answers come). Pacing keeps fast failures
    (a 503 takes a millisecond) from being counted many times over a slow success, and keeps
    a shared machine usable. A warm-up on a key of its own comes first, so cold JVMs (JIT,
    connection pools) do not count as faults."""

    def __init__(self, client, own_keys, all_keys, warmup_until, deadline, rate=0.0, write_share=0.5):
        super().__init__(name=client.name, daemon=True)
        self.client, self.own_keys, self.all_keys = client, own_keys, all_keys
        self.warmup_until, self.deadline, self.write_share = warmup_until, deadline, write_share
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_value = {key: 1 for key in own_keys}
        self.warm_key = f"warmup-{client.name}"
        self.stopped = threading.Event()
        self._next_start = time.monotonic()

    def _pace(self):
        """Waits for the next slot; after a stall it does not burst to catch up."""
        delay = self._next_start - time.monotonic()
        if delay > 0:
            self.stopped.wait(delay)
        self._next_start = max(self._next_start + self.interval, time.monotonic())

    def run(self):
        rng = self.client.rng
        warm_value = 1
        while not self.stopped.is_set() and time.monotonic() < self.warmup_until:
            self._pace()
            self.client.write(self.warm_key, warm_value, phase="warmup")
            self._pace()
            self.client.read(self.warm_key, phase="warmup")
            warm_value += 1
        while not self.stopped.is_set() and time.monotonic() < self.deadline:
            self._pace()
            if rng.random() < self.write_share:
                key = rng.choice(self.own_keys)
                self.client.write(key, self.next_value[key])
                self.next_value[key] += 1
            else:
                self.client.read(rng.choice(self.all_keys))
        self.client.close()
