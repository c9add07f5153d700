#!/usr/bin/env python3
"""A TLS front for pebble in end-to-end tests.

It forwards every request to pebble with the client's Host header and path,
so that pebble checks JWS "url" values and writes Location URLs against the
front's own address. On top of that it can:

- add "renewalInfo" (ACME Renewal Information, answered by the front) and
  "meta.profiles" to the directory;
- record the decoded payload of every newOrder that pebble accepted;
- answer the first N requests of one kind (or all of them) with 429 or 503
  and a Retry-After in seconds or as an HTTP date;
- refuse every newOrder that carries "replaces" as alreadyReplaced (409),
  as a CA does for a certificate that was replaced already.

The test steers it through STATE_DIR/config.json, read again on every
request, and reads what happened from STATE_DIR/orders.jsonl and
STATE_DIR/requests.jsonl (one JSON object per line). The port the front
listens on is written to STATE_DIR/port once it accepts connections.

config.json, every key optional:
  {"renewal_window": {"start": RFC 3339, "end": RFC 3339,
                      "explanation_url": URL, "retry_after": seconds},
   "profiles": {"name": "description", ...},
   "refuse": {"kind": "newOrder", "count": N or -1 for always,
              "status": 429, "retry_after": seconds, "http_date": false},
   "refuse_replaces": true}

A refusal rule counts its requests from the time it first appears in
config.json, so writing a changed rule starts again from zero.

Request kinds are the directory's resource names ("newOrder", "newNonce",
"newAccount"), "directory", "renewalInfo", or "other".

Python 3 standard library only.
"""

import argparse
import base64
import email.utils
import http.client
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

RENEWAL_INFO_PATH = "/renewal-info/"
# Headers the front sets itself, or that belong to one connection only.
OWN_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}


def base64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Front:
    """State shared by the request handlers of one front."""

    def __init__(self, upstream, upstream_ca, state_dir):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 443
        self.directory_path = parsed.path or "/dir"
        self.tls = ssl.create_default_context(cafile=upstream_ca)
        # pebble's listener certificate names its IP address, not a host name.
        self.tls.check_hostname = False
        self.state_dir = state_dir
        self.lock = threading.Lock()
        self.refused = {}            # refusal rule (as JSON) -> requests refused so far
        self.resource_kinds = {}     # path -> directory resource name

    def config(self):
        try:
            with open(os.path.join(self.state_dir, "config.json"), encoding="utf-8") as stream:
                return json.load(stream)
        except FileNotFoundError:
            return {}

    def append(self, name, record):
        with self.lock:
            with open(os.path.join(self.state_dir, name), "a", encoding="utf-8") as stream:
                stream.write(json.dumps(record, sort_keys=True) + "\n")

    def kind_of(self, path):
        if path == self.directory_path:
            return "directory"
        if path.startswith(RENEWAL_INFO_PATH):
            return "renewalInfo"
        return self.resource_kinds.get(path, "other")

    def learn_directory(self, directory):
        for name, url in directory.items():
            if isinstance(url, str):
                self.resource_kinds[urllib.parse.urlsplit(url).path] = name

    def should_refuse(self, kind, refuse):
        """Count one request of `kind`; whether the refusal rule applies to it."""
        if not refuse or refuse.get("kind") != kind:
            return False
        # Each rule counts on its own, so a test that writes a new rule
        # starts again from zero.
        rule = json.dumps(refuse, sort_keys=True)
        with self.lock:
            seen = self.refused.get(rule, 0)
            count = refuse.get("count", -1)
            if count >= 0 and seen >= count:
                return False
            self.refused[rule] = seen + 1
            return True

    def forward(self, method, path, headers, body):
        connection = http.client.HTTPSConnection(
            self.upstream_host, self.upstream_port, context=self.tls, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle stall on a reused connection
    front = None  # set by main()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        sys.stderr.write("acme_front: " + (format % args) + "\n")

    def do_GET(self):
        self.handle_request()

    def do_HEAD(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def handle_request(self):
        front = self.front
        config = front.config()
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = front.kind_of(path)
        record = {"time": time.time(), "method": self.command, "path": path, "kind": kind}

        if front.should_refuse(kind, config.get("refuse")):
            record["status"] = self.refuse(kind, config["refuse"])
            front.append("requests.jsonl", record)
            return

        if kind == "renewalInfo":
            record["status"] = self.renewal_info(config.get("renewal_window"))
            record["certificate_id"] = path[len(RENEWAL_INFO_PATH):]
            front.append("requests.jsonl", record)
            return

        if kind == "newOrder" and config.get("refuse_replaces") and "replaces" in self.payload_of(body):
            self.send_json(409, {"type": "urn:ietf:params:acme:error:alreadyReplaced",
                                 "detail": "the test front treats the certificate as replaced already",
                                 "status": 409})
            record["status"] = 409
            front.append("requests.jsonl", record)
            return

        headers = {name: value for name, value in self.headers.items()
                   if name.lower() not in OWN_HEADERS}
        status, upstream_headers, content = front.forward(self.command, self.path, headers, body)

        # Only orders pebble accepted count: pebble rejects some nonces on
        # purpose (badNonce), and the client then sends the order again.
        if kind == "newOrder" and body and status < 400:
            front.append("orders.jsonl", self.payload_of(body))
        if kind == "directory" and status == 200:
            content = self.extend_directory(content, config)
        record["status"] = status
        front.append("requests.jsonl", record)

        self.send_response(status)
        for name, value in upstream_headers:
            if name.lower() not in OWN_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    @staticmethod
    def payload_of(body):
        """The decoded JSON payload of a JWS request body, or {} without one."""
        if not body:
            return {}
        encoded = json.loads(body).get("payload", "")
        return json.loads(base64url_decode(encoded)) if encoded else {}

    def extend_directory(self, content, config):
        directory = json.loads(content)
        self.front.learn_directory(directory)
        if config.get("renewal_window"):
            directory["renewalInfo"] = "https://" + self.headers["Host"] + RENEWAL_INFO_PATH
        if config.get("profiles") is not None:
            directory.setdefault("meta", {})["profiles"] = config["profiles"]
        return json.dumps(directory, indent=2).encode()

    def renewal_info(self, window):
        if not window:
            self.send_json(404, {"type": "urn:ietf:params:acme:error:malformed",
                                 "detail": "the test front serves no renewal information"})
            return 404
        document = {"suggestedWindow": {"start": window["start"], "end": window["end"]}}
        if window.get("explanation_url"):
            document["explanationURL"] = window["explanation_url"]
        extra = {}
        if window.get("retry_after") is not None:
            extra["Retry-After"] = str(window["retry_after"])
        self.send_json(200, document, extra)
        return 200

    def refuse(self, kind, refuse):
        status = refuse.get("status", 429)
        seconds = int(refuse.get("retry_after", 1))
        if refuse.get("http_date"):
            retry_after = email.utils.formatdate(time.time() + seconds, usegmt=True)
        else:
            retry_after = str(seconds)
        problem = "rateLimited" if status == 429 else "serverInternal"
        self.send_json(status, {"type": "urn:ietf:params:acme:error:" + problem,
                                "detail": "the test front refuses " + kind + " for now",
                                "status": status},
                       {"Retry-After": retry_after})
        return status

    def send_json(self, status, document, extra_headers=None):
        content = json.dumps(document).encode()
        self.send_response(status)
        content_type = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", content_type)
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True, help="loopback address to listen on")
    parser.add_argument("--upstream", required=True, help="pebble's directory URL")
    parser.add_argument("--upstream-ca", required=True, help="CA bundle of pebble's listener")
    parser.add_argument("--cert", required=True, help="PEM certificate of the front's listener")
    parser.add_argument("--key", required=True, help="PEM key of the front's listener")
    parser.add_argument("--state-dir", required=True, help="config.json, logs and the port file")
    arguments = parser.parse_args()

    if not arguments.listen.startswith("127."):
        parser.error("--listen must be a 127.0.0.0/8 address, got " + arguments.listen)

    Handler.front = Front(arguments.upstream, arguments.upstream_ca, arguments.state_dir)
    server = Server((arguments.listen, 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(arguments.cert, arguments.key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)

    port_file = os.path.join(arguments.state_dir, "port")
    with open(port_file + ".tmp", "w", encoding="utf-8") as stream:
        stream.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
