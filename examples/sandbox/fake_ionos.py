#!/usr/bin/env python3
"""A fake of the IONOS hosted DNS API (/v1) for tests and the sandbox.

It serves plain HTTP on a loopback address and keeps every zone and record in
memory. The shapes of requests, responses and errors follow the
behaviour of the real service that certplan relies on: TXT content comes back
wrapped in literal double quotes, record names are absolute without a trailing dot, and errors
are JSON arrays of {"code", "message"}. With --challtestsrv it also copies TXT
records into pebble-challtestsrv so that pebble can validate DNS-01.

/_test/records and /_test/requests (no authentication) let tests inspect the
stored records and the log of requests a client sent.
"""

import argparse
import datetime
import json
import signal
import sys
import threading
import traceback
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ApiError(Exception):
    """An error response: HTTP status, IONOS error code and message."""

    def __init__(self, status, code, message, parameters=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameters = parameters


class Store:
    """Zones, records and the request log, shared by all handler threads."""

    def __init__(self, zone_names, quote_txt, challtestsrv):
        self.lock = threading.Lock()
        self.zones = {}
        for name in zone_names:
            zone_id = str(uuid.uuid4())
            self.zones[zone_id] = {"id": zone_id, "name": name.lower().rstrip("."),
                                   "type": "NATIVE", "records": []}
        self.quote_txt = quote_txt
        self.challtestsrv = challtestsrv
        self.requests = []

    def zone(self, zone_id):
        zone = self.zones.get(zone_id)
        if zone is None:
            raise ApiError(404, "ZONE_NOT_FOUND", f"zone {zone_id} does not exist")
        return zone

    def stored_content(self, record_type, content):
        if record_type != "TXT" or not self.quote_txt:
            return content
        if len(content) >= 2 and content.startswith('"') and content.endswith('"'):
            return content
        return f'"{content}"'

    def make_record(self, zone, entry):
        if not isinstance(entry, dict):
            raise ApiError(400, "INVALID_REQUEST", "each record must be a JSON object")
        for field in ("name", "type", "content"):
            if not isinstance(entry.get(field), str) or not entry[field]:
                raise ApiError(400, "INVALID_RECORD", f"the field {field} is missing",
                               {"field": field})
        name = entry["name"].lower()
        if name != zone["name"] and not name.endswith("." + zone["name"]):
            raise ApiError(400, "INVALID_RECORD",
                           f"record name {entry['name']} is not inside zone {zone['name']}",
                           {"field": "name"})
        ttl = entry.get("ttl", 3600)
        if not isinstance(ttl, int) or ttl < 60:
            raise ApiError(400, "INVALID_RECORD", "ttl must be at least 60 seconds",
                           {"field": "ttl"})
        record_type = entry["type"].upper()
        return {
            "id": str(uuid.uuid4()),
            "name": name,
            "rootName": zone["name"],
            "type": record_type,
            "content": self.stored_content(record_type, entry["content"]),
            "changeDate": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "ttl": ttl,
            "prio": entry.get("prio", 0),
            "disabled": bool(entry.get("disabled", False)),
        }

    def push_txt_to_challtestsrv(self, name):
        """Make challtestsrv serve exactly the TXT values stored at `name`."""
        if not self.challtestsrv:
            return
        host = name + "."
        post_json(self.challtestsrv + "/clear-txt", {"host": host})
        for zone in self.zones.values():
            for record in zone["records"]:
                if record["name"] == name and record["type"] == "TXT":
                    post_json(self.challtestsrv + "/set-txt",
                              {"host": host, "value": unquote(record["content"])})


def unquote(content):
    if len(content) >= 2 and content.startswith('"') and content.endswith('"'):
        return content[1:-1]
    return content


def post_json(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"},
                                     method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        response.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-ionos/1"
    # The headers and the body of a response go out as two small writes. On
    # a connection the client reuses, Nagle's algorithm would hold the body
    # back until the client acknowledges the headers, about 40 ms later.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - name fixed by the base class
        sys.stderr.write("fake_ionos: " + (format % args) + "\n")

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        body = self.read_body()
        store = self.server.store
        if not url.path.startswith("/_test/"):
            with store.lock:
                store.requests.append({
                    "method": method,
                    "path": url.path,
                    "query": query,
                    "content_type_count": len(self.headers.get_all("Content-Type") or []),
                })
        try:
            status, payload = self.route(method, url.path, query, body)
        except ApiError as error:
            entry = {"code": error.code, "message": error.message}
            if error.parameters is not None:
                entry["parameters"] = error.parameters
            status, payload = error.status, [entry]
        except Exception:  # noqa: BLE001 - the real service answers 500 to anything unexpected
            traceback.print_exc()
            status, payload = 500, [{"code": "INTERNAL_SERVER_ERROR",
                                     "message": "the server failed to handle the request"}]
        self.send_json(status, payload)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self, method, path, query, body):
        store = self.server.store
        if path == "/_test/records" and method == "GET":
            with store.lock:
                return 200, [record for zone in store.zones.values() for record in zone["records"]]
        if path == "/_test/requests" and method == "GET":
            with store.lock:
                return 200, list(store.requests)

        if not path.startswith("/v1/"):
            raise ApiError(404, "NOT_FOUND", f"no resource at {path}")
        self.check_api_key()
        parts = path[len("/v1/"):].strip("/").split("/")

        with store.lock:
            if parts == ["zones"] and method == "GET":
                return 200, [{"name": z["name"], "id": z["id"], "type": z["type"]}
                             for z in store.zones.values()]
            if len(parts) == 2 and parts[0] == "zones":
                zone = store.zone(parts[1])
                if method == "GET":
                    return 200, self.get_zone(zone, query)
                if method == "PATCH":
                    return 200, self.patch_zone(store, zone, body)
            if len(parts) == 3 and parts[0] == "zones" and parts[2] == "records" \
                    and method == "POST":
                return 201, self.create_records(store, store.zone(parts[1]), body)
            if len(parts) == 4 and parts[0] == "zones" and parts[2] == "records" \
                    and method == "DELETE":
                self.delete_record(store, store.zone(parts[1]), parts[3])
                return 200, {}
        raise ApiError(404, "NOT_FOUND", f"no resource for {method} {path}")

    def check_api_key(self):
        sent_key = self.headers.get("X-API-Key")
        expected_key = self.server.api_key
        if sent_key is None or "." not in sent_key or sent_key != expected_key:
            raise ApiError(401, "UNAUTHORIZED", "the API key is missing or not valid")

    def parse_json_array(self, body):
        if len(self.headers.get_all("Content-Type") or []) > 1:
            raise ApiError(400, "BAD_REQUEST", "the request could not be read")
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, list):
            raise ApiError(400, "INVALID_REQUEST", "the body must be a JSON array of records")
        return payload

    def get_zone(self, zone, query):
        if "suffix" in query:
            raise ApiError(400, "INVALID_REQUEST", "the parameter suffix is not supported",
                           {"parameter": "suffix"})
        records = zone["records"]
        if "recordName" in query:
            expected_name = query["recordName"][0].lower().rstrip(".")
            records = [r for r in records if r["name"] == expected_name]
        if "recordType" in query:
            expected_type = query["recordType"][0].upper()
            records = [r for r in records if r["type"] == expected_type]
        return {"id": zone["id"], "name": zone["name"], "type": zone["type"],
                "records": list(records)}

    def create_records(self, store, zone, body):
        entries = self.parse_json_array(body)
        created = [store.make_record(zone, entry) for entry in entries]
        zone["records"].extend(created)
        for name in sorted({r["name"] for r in created if r["type"] == "TXT"}):
            store.push_txt_to_challtestsrv(name)
        return created

    def patch_zone(self, store, zone, body):
        """Replace every record that shares a name and type with the body's records.

        The real service behaves this way, which is why a client that only
        wants to add one TXT value must not use PATCH.
        """
        entries = self.parse_json_array(body)
        created = [store.make_record(zone, entry) for entry in entries]
        replaced = {(r["name"], r["type"]) for r in created}
        zone["records"] = [r for r in zone["records"] if (r["name"], r["type"]) not in replaced]
        zone["records"].extend(created)
        for name in sorted({name for name, record_type in replaced if record_type == "TXT"}):
            store.push_txt_to_challtestsrv(name)
        return {}

    def delete_record(self, store, zone, record_id):
        for record in zone["records"]:
            if record["id"] == record_id:
                zone["records"].remove(record)
                if record["type"] == "TXT":
                    store.push_txt_to_challtestsrv(record["name"])
                return
        raise ApiError(404, "RECORD_NOT_FOUND", f"record {record_id} does not exist")


def parse_listen(value):
    host, separator, port = value.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"--listen expects ADDR:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def main():
    parser = argparse.ArgumentParser(description="Fake IONOS DNS API for tests.")
    parser.add_argument("--listen", type=parse_listen, required=True,
                        help="loopback address and port to serve on, ADDR:PORT")
    parser.add_argument("--api-key", required=True,
                        help="the only accepted X-API-Key value, PREFIX.SECRET")
    parser.add_argument("--zone", action="append", required=True,
                        help="a zone of the account; repeat for more zones")
    parser.add_argument("--challtestsrv",
                        help="management URL of pebble-challtestsrv, http://ADDR:PORT")
    parser.add_argument("--quote-txt", action=argparse.BooleanOptionalAction, default=True,
                        help="return TXT content wrapped in double quotes (default: on)")
    args = parser.parse_args()

    server = ThreadingHTTPServer(args.listen, Handler)
    server.daemon_threads = True
    server.api_key = args.api_key
    server.store = Store(args.zone, args.quote_txt,
                         args.challtestsrv.rstrip("/") if args.challtestsrv else None)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
