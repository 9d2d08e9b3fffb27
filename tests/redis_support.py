"""Real ``redis-server`` processes for tests: one server, or a 3-node Cluster.

Every server runs on a free loopback port in its own temp dir, with persistence off, and
is always stopped by the fixture that started it. The machine's own Redis (port 6379) is
never touched. Fault tests use ``kill()`` (SIGKILL) and ``restart()`` on the same port.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")
_MISSING = "redis-server/redis-cli not found on PATH; install them with `make redis-server`"
_START_TIMEOUT = 10.0


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, cluster_bus: bool = False) -> int:
    """A free loopback port below the ephemeral range (so no client socket can take it
    while a fault test has the server down), never 6379. ``cluster_bus``: port + 10000
    must be free too (Cluster nodes listen there)."""
    high = min(_ephemeral_low() - 1, 55535 if cluster_bus else 65535)
    low = 20000 if high > 21000 else 1024
    rng = random.Random()
    for _ in range(1000):
        port = rng.randint(low, high)
        if port == 6379:
            continue
        if _bindable(port) and (not cluster_bus or _bindable(port + 10000)):
            return port
    raise RuntimeError("no free loopback port found")


def command(port: int, *args: str, timeout: float = 2.0, tls_ca: str | None = None) -> bytes:
    """Send one inline command over a raw socket; return a simple or bulk reply's payload."""
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=timeout))
        if tls_ca is not None:
            context = ssl.create_default_context(cafile=tls_ca)
            sock = stack.enter_context(context.wrap_socket(sock, server_hostname="127.0.0.1"))
        sock.sendall((" ".join(args) + "\r\n").encode())
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                return reply
            reply += chunk
        header, _, rest = reply.partition(b"\r\n")
        if not header.startswith(b"$") or header == b"$-1":
            return header
        size = int(header[1:])
        while len(rest) < size:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return rest[:size]


def commands_executed(port: int) -> int:
    """Commands the server has run so far (INFO commandstats), INFO itself excluded."""
    total = 0
    for line in command(port, "INFO", "commandstats").decode().splitlines():
        if line.startswith("cmdstat_") and not line.startswith("cmdstat_info:"):
            fields = dict(part.split("=") for part in line.split(":", 1)[1].split(","))
            total += int(fields["calls"])
    return total


def answers_ping(port: int, tls_ca: str | None = None) -> bool:
    try:
        return command(port, "PING", timeout=0.5, tls_ca=tls_ca).startswith(b"+PONG")
    except OSError:
        return False


def write_self_signed_cert(directory: str) -> tuple[str, str]:
    """A throwaway CA-less cert for 127.0.0.1 (IP SAN), as ``(cert_path, key_path)``."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path


class RedisServer:
    """One ``redis-server`` subprocess on ``127.0.0.1:<port>``, no persistence."""

    def __init__(
        self,
        port: int | None = None,
        *,
        extra_args: tuple[str, ...] = (),
        tls: bool = False,
        cluster_bus: bool = False,
    ) -> None:
        """``tls=True``: the port speaks TLS only, with a fresh self-signed cert for
        127.0.0.1 (``self.tls_ca`` is its path; clients verify against it)."""
        if REDIS_SERVER is None:
            raise RuntimeError(_MISSING)
        self.port = port if port is not None else free_port(cluster_bus=cluster_bus)
        self.extra_args = extra_args
        self._tmp = tempfile.TemporaryDirectory(prefix=f"redis-{self.port}-")
        self.dir = self._tmp.name
        self.proc: subprocess.Popen[bytes] | None = None
        self.tls_ca: str | None = None
        if tls:
            self.tls_ca, self._tls_key = write_self_signed_cert(self.dir)

    @property
    def url(self) -> str:
        if self.tls_ca is not None:
            query = urllib.parse.urlencode(
                {"ssl_cert_reqs": "required", "ssl_ca_certs": self.tls_ca}
            )
            return f"rediss://127.0.0.1:{self.port}/0?{query}"
        return f"redis://127.0.0.1:{self.port}/0"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"RedisServer(port={self.port}, {state})"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def argv(self) -> list[str]:
        if self.tls_ca is not None:
            ports = ["--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no"]
            ports += ["--tls-cert-file", self.tls_ca, "--tls-key-file", self._tls_key]
        else:
            ports = ["--port", str(self.port)]
        return [
            str(REDIS_SERVER),
            *ports,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self.dir,
            "--logfile",
            os.path.join(self.dir, "redis.log"),
            *self.extra_args,
        ]

    def start(self) -> RedisServer:
        assert not self.running, "already running"
        self.proc = subprocess.Popen(
            self.argv(), cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while not answers_ping(self.port, self.tls_ca):
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited: {self._log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server on port {self.port} did not answer PING")
            time.sleep(0.01)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to clients (their sockets just die)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def restart(self) -> RedisServer:
        """Start again on the SAME port (after ``kill`` or ``stop``); data is gone."""
        self.kill()
        return self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError), open(os.path.join(self.dir, "redis.log")) as f:
            return f.read()[-2000:]
        return "(no log)"


class RedisSentinel(RedisServer):
    """A Sentinel (``redis-server <conf> --sentinel``) watching one master as ``mymaster``."""

    MASTER_NAME = "mymaster"

    def __init__(self, master: RedisServer) -> None:
        super().__init__()
        self.master = master

    def argv(self) -> list[str]:
        conf = os.path.join(self.dir, "sentinel.conf")  # Sentinel rewrites it: keep it ours
        with open(conf, "w") as f:
            f.write(
                f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
                f"logfile {os.path.join(self.dir, 'redis.log')}\n"
                f"sentinel monitor {self.MASTER_NAME} 127.0.0.1 {self.master.port} 1\n"
            )
        return [str(REDIS_SERVER), conf, "--sentinel"]


class RedisCluster3:
    """Three master nodes, no replicas, all 16384 slots assigned, ``cluster_state:ok``."""

    def __init__(self) -> None:
        self.nodes: list[RedisServer] = []

    @property
    def ports(self) -> list[int]:
        return [n.port for n in self.nodes]

    def start(self) -> RedisCluster3:
        if REDIS_CLI is None:
            raise RuntimeError(_MISSING)
        try:
            for _ in range(3):
                node = RedisServer(
                    cluster_bus=True,
                    extra_args=(
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                    ),
                )
                self.nodes.append(node)
                node.start()
            subprocess.run(
                [
                    str(REDIS_CLI),
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{p}" for p in self.ports),
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                check=True,
                capture_output=True,
                timeout=30,
            )
            self._wait_ok()
        except BaseException:
            self.cleanup()
            raise
        return self

    def _wait_ok(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            infos = [command(p, "CLUSTER", "INFO") for p in self.ports]
            if all(b"cluster_state:ok" in i for i in infos):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster did not become ok: {infos!r}")
            time.sleep(0.05)

    def cleanup(self) -> None:
        for node in self.nodes:
            node.cleanup()


def _missing() -> None:
    """Skip locally; in CI a missing binary is a failure, never silently less coverage."""
    if os.environ.get("CI"):
        pytest.fail(_MISSING)
    pytest.skip(_MISSING)


def running_server(**options: Any) -> Iterator[RedisServer]:
    """Body of a fixture: start a ``RedisServer(**options)``, yield it, always clean up."""
    if REDIS_SERVER is None:
        _missing()
    if options.get("tls"):
        pytest.importorskip("cryptography")
    server = RedisServer(**options)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh, empty redis-server of this test alone (fault tests may kill/restart it)."""
    yield from running_server()


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[RedisCluster3]:
    """A real 3-node Redis Cluster, shared by the tests of one module."""
    if REDIS_SERVER is None or REDIS_CLI is None:
        _missing()
    cluster = RedisCluster3()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.cleanup()
