#!/usr/bin/env python3
"""A Jamf Pro API test server, for pbkit's tests (issue 15).

No Jamf Pro can run here, so this server speaks the parts of Jamf's protocol pbkit uses,
from Jamf's published API reference (developer.jamf.com): the Jamf Pro API's token
endpoints and the Classic API's mobile device configuration profiles. It keeps the
behaviours that trap hand-written uploads:

- bearer tokens from POST /api/v1/auth/token (basic credentials), renewed by
  /api/v1/auth/keep-alive, dropped by /api/v1/auth/invalidate-token; OAuth client
  credentials at POST /api/oauth/token (and /api/v1/oauth/token); every token expires
  after --token-seconds, and an expired or unknown token is a 401;
- the Classic API takes the profile's plist XML-escaped inside <payloads>: one entity
  layer is decoded; a bare & or < in the body is a 409 ("Error in XML file");
- on create, Jamf gives the profile its own top-level PayloadUUID and, with
  --rederive-payloads, new PayloadUUIDs for the payloads inside (references left alone);
  an update whose top-level PayloadIdentifier differs from the stored one is counted as a
  "ghost" (devices would get a second profile);
- GET answers XML, or JSON when the client asks for it (Accept: application/json);
- faults on request: POST /_test/fault {"path": "...", "status": 500, "times": 1,
  "body": "...", "method": "POST", "every": N} (body: only requests whose body holds this
  text; method: only that method; every: only every Nth matching request), and for hostile
  servers: "answer" (the body to send, with "content_type"), "echo" (the answer repeats
  the request's headers and body), "retry_after" (the header's value), "delay" (seconds
  before answering; a large one never answers);
- --token-uses N: a token is refused after N API requests (a token that expires mid-run,
  without waiting for the clock); --tls-cert/--tls-key: HTTPS.

State is in memory; GET /_test/state shows it as JSON. The first line on stdout is
`listening on PORT` once the port is open.

Usage: server.py [--port 0] [--user U --password P] [--client-id I --client-secret S]
                 [--token-seconds 1200] [--rederive-payloads]
"""

import argparse
import base64
import json
import plistlib
import secrets
import ssl
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse
from xml.sax.saxutils import escape

LOCK = threading.Lock()
TOKENS = {}  # token -> expiry (epoch seconds)
USES = {}  # token -> requests left (with --token-uses)
COUNTS = {"tokens": 0, "keep_alives": 0, "invalidated": 0}
PROFILES = {}  # id -> dict(name, uuid, payloads (plist text), category, description)
NEXT_ID = [1]
FAULTS = []  # dicts: path, status, times
GHOSTS = []  # (id, stored identifier, incoming identifier)
ARGS = None

PROFILES_PATH = "/JSSResource/mobiledeviceconfigurationprofiles"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def new_token():
    token = secrets.token_urlsafe(32)
    expiry = time.time() + ARGS.token_seconds
    TOKENS[token] = expiry
    COUNTS["tokens"] += 1
    if ARGS.token_uses:
        USES[token] = ARGS.token_uses
    return token, expiry


def rederive(plist_text, profile_uuid):
    """Jamf's rewrite on create: its own top-level PayloadUUID, new payload UUIDs if asked."""
    p = plistlib.loads(plist_text.encode("utf-8"))
    p["PayloadUUID"] = profile_uuid
    if ARGS.rederive_payloads:
        for q in p.get("PayloadContent", []):
            q["PayloadUUID"] = str(uuid.uuid4()).upper()
    return plistlib.dumps(p).decode("utf-8")


def profile_xml(pid, prof):
    g = prof
    return (
        "<configuration_profile><general>"
        f"<id>{pid}</id><name>{escape(g['name'])}</name>"
        f"<description>{escape(g.get('description', ''))}</description>"
        "<site><id>-1</id><name>None</name></site>"
        f"<category><id>-1</id><name>{escape(g.get('category') or 'No category assigned')}</name></category>"
        f"<uuid>{g['uuid']}</uuid>"
        "<deployment_method>Install Automatically</deployment_method>"
        "<redeploy_on_update>Newly Assigned</redeploy_on_update>"
        "<redeploy_Days_before_certificate_expires>0</redeploy_Days_before_certificate_expires>"
        f"<payloads>{escape(g['payloads'])}</payloads>"
        "</general>"
        + scope_xml(g.get("scope") or empty_scope())
        + "</configuration_profile>"
    )


def empty_scope():
    return {"all_mobile_devices": False, "mobile_devices": [], "mobile_device_groups": [],
            "jss_users": [], "jss_user_groups": []}


def scope_xml(sc):
    def items(outer, inner, key, values):
        return f"<{outer}>" + "".join(f"<{inner}><{key}>{escape(str(v))}</{key}></{inner}>"
                                      for v in values) + f"</{outer}>"
    return (
        "<scope>"
        f"<all_mobile_devices>{str(sc['all_mobile_devices']).lower()}</all_mobile_devices>"
        "<all_jss_users>false</all_jss_users>"
        + items("mobile_devices", "mobile_device", "id", sc["mobile_devices"])
        + items("mobile_device_groups", "mobile_device_group", "name",
                sc["mobile_device_groups"])
        + items("jss_users", "jss_user", "name", sc["jss_users"])
        + items("jss_user_groups", "jss_user_group", "name", sc["jss_user_groups"])
        + "</scope>"
    )


def scope_json(sc):
    return {
        "all_mobile_devices": sc["all_mobile_devices"], "all_jss_users": False,
        "mobile_devices": [{"id": i, "name": f"device {i}"} for i in sc["mobile_devices"]],
        "mobile_device_groups": [{"id": -1, "name": n} for n in sc["mobile_device_groups"]],
        "jss_users": [{"id": -1, "name": n} for n in sc["jss_users"]],
        "jss_user_groups": [{"id": -1, "name": n} for n in sc["jss_user_groups"]],
        "buildings": [], "departments": [],
        "limitations": {"users": [], "user_groups": [], "network_segments": [], "ibeacons": []},
        "exclusions": {"mobile_devices": [], "buildings": [], "departments": [],
                       "mobile_device_groups": [], "users": [], "user_groups": [],
                       "network_segments": [], "ibeacons": [], "jss_users": [],
                       "jss_user_groups": []},
    }


def parse_scope(el):
    """The targets of a <scope> element (Jamf keeps what it is not sent)."""
    if el is None:
        return None
    return {
        "all_mobile_devices": (el.findtext("all_mobile_devices") or "").strip() == "true",
        "mobile_devices": [int(x.findtext("id")) for x in el.findall("mobile_devices/mobile_device")],
        "mobile_device_groups": [x.findtext("name") for x in
                                 el.findall("mobile_device_groups/mobile_device_group")],
        "jss_users": [x.findtext("name") for x in el.findall("jss_users/jss_user")],
        "jss_user_groups": [x.findtext("name") for x in
                            el.findall("jss_user_groups/jss_user_group")],
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm holds the
    # body until the client's delayed ACK (40 ms a request), as no real server does.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: tests read stdout
        pass

    def send(self, status, body=b"", content_type="application/xml"):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def wants_json(self):
        return "application/json" in (self.headers.get("Accept") or "")

    def fault(self, body):
        with LOCK:
            for f in FAULTS:
                if (f["times"] > 0 and f["path"] in self.path
                        and f.get("method", self.command) == self.command
                        and f.get("body", "") in body.decode("utf-8", "replace")):
                    # "every": N fires on every Nth matching request only.
                    f["seen"] = f.get("seen", 0) + 1
                    if f["seen"] % f.get("every", 1):
                        continue
                    f["times"] -= 1
                    return dict(f)
        return None

    def answer_fault(self, f):
        time.sleep(f.get("delay", 0))
        if f.get("echo"):
            body = (f"{self.command} {self.path}\n{self.headers}\n").encode() + self.raw_body
        else:
            body = f.get("answer", "").encode("utf-8")
        self.send_response(f["status"])
        if f["status"] == 429 or "retry_after" in f:
            self.send_header("Retry-After", str(f.get("retry_after", "1")))
        self.send_header("Content-Type", f.get("content_type", "text/plain"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return False
        token = auth[7:]
        with LOCK:
            expiry = TOKENS.get(token)
            if token in USES:
                USES[token] -= 1
                if USES[token] < 0:
                    return False
        return expiry is not None and expiry > time.time()

    def dispatch(self, method):
        path = urlparse(self.path).path
        if path.startswith("/_test/"):
            return self.test_control(method, path)
        self.raw_body = self.body()
        fault = self.fault(self.raw_body)
        if fault:
            return self.answer_fault(fault)
        if method == "POST" and path == "/api/v1/auth/token":
            return self.token_basic()
        if method == "POST" and path in ("/api/oauth/token", "/api/v1/oauth/token"):
            return self.token_oauth()
        if not self.authorized():
            return self.send(401, '{"httpStatus":401,"errors":[]}', "application/json")
        if method == "POST" and path == "/api/v1/auth/keep-alive":
            old = self.headers["Authorization"][7:]
            with LOCK:
                TOKENS.pop(old, None)
                COUNTS["keep_alives"] += 1
                token, expiry = new_token()
            return self.send(200, json.dumps({"token": token, "expires": iso(expiry)}),
                             "application/json")
        if method == "POST" and path == "/api/v1/auth/invalidate-token":
            with LOCK:
                TOKENS.pop(self.headers["Authorization"][7:], None)
                COUNTS["invalidated"] += 1
            return self.send(204)
        if path.startswith(PROFILES_PATH):
            return self.profiles(method, path[len(PROFILES_PATH):])
        return self.send(404, "<html><body>Not Found</body></html>", "text/html")

    def token_basic(self):
        auth = self.headers.get("Authorization") or ""
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except Exception:
            user, password = None, None
        if not auth.startswith("Basic ") or (user, password) != (ARGS.user, ARGS.password):
            return self.send(401, '{"httpStatus":401,"errors":[]}', "application/json")
        with LOCK:
            token, expiry = new_token()
        self.send(200, json.dumps({"token": token, "expires": iso(expiry)}), "application/json")

    def token_oauth(self):
        form = parse_qs(self.raw_body.decode())
        ok = (
            form.get("grant_type") == ["client_credentials"]
            and form.get("client_id") == [ARGS.client_id]
            and form.get("client_secret") == [ARGS.client_secret]
        )
        if not ok:
            return self.send(401, '{"error":"invalid_client"}', "application/json")
        with LOCK:
            token, expiry = new_token()
        self.send(200, json.dumps({
            "access_token": token, "scope": "api-role:1", "token_type": "Bearer",
            "expires_in": ARGS.token_seconds,
        }), "application/json")

    def profiles(self, method, rest):
        with LOCK:
            if rest in ("", "/") and method == "GET":
                items = sorted(PROFILES.items())
                if self.wants_json():
                    return self.send(200, json.dumps({"configuration_profiles": [
                        {"id": i, "name": p["name"]} for i, p in items]}), "application/json")
                xml = "".join(f"<configuration_profile><id>{i}</id><name>{escape(p['name'])}"
                              f"</name></configuration_profile>" for i, p in items)
                return self.send(200, "<mobile_device_configuration_profiles>"
                                 f"<size>{len(items)}</size>{xml}"
                                 "</mobile_device_configuration_profiles>")
            kind, _, key = rest.strip("/").partition("/")
            key = unquote(key)
            if kind == "id":
                try:
                    pid = int(key)
                except ValueError:
                    return self.send(404, "<html>Not Found</html>", "text/html")
            elif kind == "name":
                pid = next((i for i, p in PROFILES.items() if p["name"] == key), None)
            else:
                return self.send(404, "<html>Not Found</html>", "text/html")
            if method == "GET":
                if pid not in PROFILES:
                    return self.send(404, "<html>Not Found</html>", "text/html")
                prof = PROFILES[pid]
                if self.wants_json():
                    category = prof.get("category")
                    return self.send(200, json.dumps({"configuration_profile": {"general": {
                        "id": pid, "name": prof["name"],
                        "description": prof.get("description", ""),
                        "site": {"id": -1, "name": "None"},
                        "category": {"id": 1 if category else -1,
                                     "name": category or "No category assigned"},
                        "uuid": prof["uuid"],
                        "deployment_method": "Install Automatically",
                        "redeploy_on_update": "Newly Assigned",
                        "redeploy_Days_before_certificate_expires": 0,
                        "payloads": prof["payloads"]},
                        "scope": scope_json(prof.get("scope") or empty_scope()),
                        "self_service": {}}}), "application/json")
                return self.send(200, profile_xml(pid, prof))
            if method == "DELETE":
                if PROFILES.pop(pid, None) is None:
                    return self.send(404, "<html>Not Found</html>", "text/html")
                return self.send(200, f"<mobile_device_configuration_profile><id>{pid}</id>"
                                 "</mobile_device_configuration_profile>")
            if method in ("POST", "PUT"):
                return self.write_profile(method, pid)
        return self.send(405)

    def write_profile(self, method, pid):
        raw = self.raw_body
        try:
            root = ET.fromstring(raw)  # one entity layer decoded; a bare & or < refused
        except ET.ParseError as e:
            return self.send(409, f"<html><body><p>Error in XML file: {escape(str(e))}</p>"
                             "</body></html>", "text/html")
        general = root.find("general")
        payloads = general.findtext("payloads") if general is not None else None
        name = general.findtext("name") if general is not None else None
        if method == "POST":
            if not payloads or not name:
                return self.send(409, "<html><body><p>Conflict: name and payloads are "
                                 "required</p></body></html>", "text/html")
            if any(p["name"] == name for p in PROFILES.values()):
                return self.send(409, "<html><body><p>Conflict: Duplicate name</p>"
                                 "</body></html>", "text/html")
            pid = NEXT_ID[0]
            NEXT_ID[0] += 1
            profile_uuid = str(uuid.uuid4()).upper()
            try:
                stored = rederive(payloads, profile_uuid)
            except Exception as e:
                return self.send(409, f"<html><body><p>Conflict: {escape(str(e))}</p>"
                                 "</body></html>", "text/html")
            PROFILES[pid] = {"name": name, "uuid": profile_uuid, "payloads": stored,
                             "category": general.findtext("category/name"),
                             "description": general.findtext("description") or "",
                             "scope": parse_scope(root.find("scope")) or empty_scope()}
        else:
            if pid not in PROFILES:
                return self.send(404, "<html>Not Found</html>", "text/html")
            prof = PROFILES[pid]
            if name:
                if any(p["name"] == name for i, p in PROFILES.items() if i != pid):
                    return self.send(409, "<html><body><p>Conflict: Duplicate name</p>"
                                     "</body></html>", "text/html")
                prof["name"] = name
            if general is not None and general.find("category/name") is not None:
                prof["category"] = general.findtext("category/name")
            scope = parse_scope(root.find("scope"))
            if scope is not None:
                prof["scope"] = scope
            if payloads:
                old = plistlib.loads(prof["payloads"].encode("utf-8"))
                new = plistlib.loads(payloads.encode("utf-8"))
                if new.get("PayloadIdentifier") != old.get("PayloadIdentifier"):
                    GHOSTS.append((pid, old.get("PayloadIdentifier"),
                                   new.get("PayloadIdentifier")))
                prof["payloads"] = payloads
        return self.send(201, f"<mobile_device_configuration_profile><id>{pid}</id>"
                         "</mobile_device_configuration_profile>")

    def test_control(self, method, path):
        if method == "POST" and path == "/_test/fault":
            f = json.loads(self.body())
            f["status"] = int(f["status"])
            f["times"] = int(f.get("times", 1))
            with LOCK:
                FAULTS.append(f)
            return self.send(204)
        if method == "POST" and path == "/_test/expire-tokens":
            with LOCK:
                for t in TOKENS:
                    TOKENS[t] = 0
            return self.send(204)
        if method == "GET" and path == "/_test/state":
            with LOCK:
                state = {"profiles": {str(i): p for i, p in PROFILES.items()},
                         "ghosts": GHOSTS, "live_tokens":
                         sum(1 for e in TOKENS.values() if e > time.time()), **COUNTS}
            return self.send(200, json.dumps(state), "application/json")
        return self.send(404)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user", default="pbkit")
    ap.add_argument("--password", default="pbkit-test")
    ap.add_argument("--client-id", default="pbkit-client")
    ap.add_argument("--client-secret", default="pbkit-secret")
    ap.add_argument("--token-seconds", type=int, default=1200)
    ap.add_argument("--token-uses", type=int, default=0,
                    help="a token is refused (401) after this many API requests")
    ap.add_argument("--rederive-payloads", action="store_true")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM chain (and --tls-key)")
    ap.add_argument("--tls-key")
    ARGS = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    if ARGS.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
