#!/usr/bin/env python3
"""A minimal OpenID Connect provider for the CLI's sign-in test, standing in for a city's identity
provider: discovery, the device authorization endpoint, an /activate page the test opens as the
person would in a browser, and the token endpoint (authorization_pending until the code is
approved, then an RS256 access token signed with the test key the gateway trusts).

usage: oidc_test_provider.py PORT_FILE KEY.pem ISSUER_NAME SUBJECT ROLE MUNICIPALITY
Writes the port it listens on (loopback) to PORT_FILE.
"""
import base64
import json
import secrets
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, key, issuer_name, subject, role, municipality = sys.argv[1:7]
grants = {}  # device_code → {"user_code", "approved", "polls"}


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token():
    header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "idp"}).encode())
    claims = b64(json.dumps({"iss": issuer_name, "aud": "sokei", "sub": subject,
                             "roles": [role], "municipality": municipality,
                             "iat": int(time.time()), "exp": int(time.time()) + 600}).encode())
    signed = f"{header}.{claims}".encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signed,
                         capture_output=True, check=True).stdout
    return f"{header}.{claims}.{b64(sig)}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/.well-known/openid-configuration":
            self.reply(200, {"issuer": self.base(),
                             "device_authorization_endpoint": self.base() + "/device",
                             "token_endpoint": self.base() + "/token"})
        elif url.path == "/activate":  # the person signs in and approves the code
            code = urllib.parse.parse_qs(url.query).get("user_code", [""])[0]
            hits = [g for g in grants.values() if g["user_code"] == code]
            for g in hits:
                g["approved"] = True
            self.reply(200 if hits else 404, {"approved": bool(hits)})
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        if self.path == "/device":
            if form.get("client_id") != ["sokei-cli"]:
                return self.reply(400, {"error": "invalid_client"})
            device_code, user_code = secrets.token_urlsafe(16), "WDJB-MJHT"
            grants[device_code] = {"user_code": user_code, "approved": False, "polls": 0}
            self.reply(200, {"device_code": device_code, "user_code": user_code,
                             "verification_uri": self.base() + "/activate",
                             "verification_uri_complete": f"{self.base()}/activate?user_code={user_code}",
                             "expires_in": 60, "interval": 1})
        elif self.path == "/token":
            g = grants.get(form.get("device_code", [""])[0])
            if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:device_code"] or not g:
                return self.reply(400, {"error": "invalid_grant"})
            g["polls"] += 1
            if not g["approved"]:
                return self.reply(400, {"error": "authorization_pending"})
            self.reply(200, {"access_token": token(), "token_type": "Bearer", "expires_in": 600})
        else:
            self.reply(404, {"error": "not_found"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
