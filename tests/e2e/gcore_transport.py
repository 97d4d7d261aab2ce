# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transport helpers for end-to-end tests: a self-signed certificate, the sandbox API served
over HTTPS, and a small counting HTTP proxy (CONNECT tunnels and plain forwarding).

Everything binds to 127.0.0.1 and stops with its context manager.
"""

import datetime
import http.client
import ipaddress
import select
import socket
import socketserver
import ssl
import threading
import urllib.parse

from gcore_sandbox import _Handler, _Server  # pylint: disable=import-error


def make_self_signed(directory, common_name="gcore-e2e-test"):
    """Write a self-signed CA-capable certificate for 127.0.0.1/localhost; return (cert_path, key_path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "server-cert.pem"
    key_path = directory / "server-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class _ServedInThread(object):
    """Serves self.server in a thread between __enter__ and __exit__."""

    server = None
    thread = None

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class HttpsSandbox(_ServedInThread):
    """The same sandbox API (same tasks, faults, counters) on a second, HTTPS-only port."""

    def __init__(self, sandbox, cert_path, key_path):
        self.sandbox = sandbox
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self.server = _Server(("127.0.0.1", 0), _Handler, sandbox)
        # Handshake in the handler thread, so a client refusing the certificate never blocks accept().
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)
        self.url = "https://127.0.0.1:%d" % self.server.server_address[1]


class CountingProxy(_ServedInThread):
    """An HTTP proxy on 127.0.0.1 that records every request: CONNECT host:port, or METHOD absolute-URL."""

    def __init__(self):
        self.seen = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 10

            def handle(self):
                while True:
                    head = self._read_head()
                    if not head:
                        return
                    method, target = head[0].split(" ")[:2]
                    proxy.seen.append((method, target))
                    if method == "CONNECT":
                        self._tunnel(target)
                        return
                    if not self._forward(method, target, head[1:]):
                        return

            def _read_head(self):
                lines = []
                while True:
                    line = self.rfile.readline(65537)
                    if not line:
                        return None
                    line = line.decode("latin-1").rstrip("\r\n")
                    if not line:
                        return lines or None
                    lines.append(line)

            def _tunnel(self, target):
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=10)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                sockets = [self.connection, upstream]
                try:
                    while True:
                        readable, _unused, _unused = select.select(sockets, [], [], 10)
                        if not readable:
                            return
                        for sock in readable:
                            data = sock.recv(65536)
                            if not data:
                                return
                            (upstream if sock is self.connection else self.connection).sendall(data)
                finally:
                    upstream.close()

            def _forward(self, method, target, header_lines):
                url = urllib.parse.urlsplit(target)
                headers = {}
                for line in header_lines:
                    name, _unused, value = line.partition(":")
                    if not name.lower().startswith("proxy-"):
                        headers[name.strip()] = value.strip()
                length = int(headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
                try:
                    upstream.request(method, (url.path or "/") + ("?" + url.query if url.query else ""),
                                     body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                finally:
                    upstream.close()
                self.wfile.write(("HTTP/1.1 %d %s\r\n" % (response.status, response.reason)).encode("latin-1"))
                for name, value in response.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.wfile.write(("%s: %s\r\n" % (name, value)).encode("latin-1"))
                self.wfile.write(("Content-Length: %d\r\n\r\n" % len(data)).encode("latin-1"))
                self.wfile.write(data)
                self.wfile.flush()
                return True

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]


def proxy_env(**proxies):
    """For run_module(): exactly these proxy variables, spelt as given; every other one removed (None).

    Note that when both spellings are set, the lower-case one wins (an empty one disables the proxy).
    """
    env = {}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        env[name] = env[name.lower()] = None
    env.update(proxies)
    return env
