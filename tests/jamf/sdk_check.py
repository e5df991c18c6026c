#!/usr/bin/env python3
"""Drives tests/jamf/server.py with Jamf's own Python SDK (jamf-pro-sdk, PyPI): the SDK
authenticates (user bearer token, then OAuth client credentials), lists, creates and reads
back a mobile device configuration profile through the Classic API. Prints one line per
step; exits non-zero at the first step that fails.

Usage: sdk_check.py PORT PROFILE.mobileconfig
"""

import plistlib
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from jamf_pro_sdk import (
    ApiClientCredentialsProvider,
    JamfProClient,
    SessionConfig,
    UserCredentialsProvider,
)

port, profile = int(sys.argv[1]), sys.argv[2]
config = SessionConfig(scheme="http")
user = JamfProClient("127.0.0.1", UserCredentialsProvider("pbkit", "pbkit-test"),
                     port=port, session_config=config)
oauth = JamfProClient("127.0.0.1", ApiClientCredentialsProvider("pbkit-client", "pbkit-secret"),
                      port=port, session_config=config)

path = "mobiledeviceconfigurationprofiles"
for name, client in (("user token", user), ("oauth token", oauth)):
    listed = client.classic_api_request("GET", path).json()
    print(f"{name}: listed {len(listed['configuration_profiles'])} profiles")

plist = open(profile, encoding="utf-8").read()
body = (f"<configuration_profile><general><name>SDK check &amp; co</name>"
        f"<payloads>{escape(plist)}</payloads></general></configuration_profile>")
created = user.classic_api_request("POST", f"{path}/id/0", data=body)
print(f"created: HTTP {created.status_code}")
listed = user.classic_api_request("GET", path).json()["configuration_profiles"]
pid = next(p["id"] for p in listed if p["name"] == "SDK check & co")
read = user.classic_api_request("GET", f"{path}/id/{pid}",
                                override_headers={"Accept": "application/xml"})
stored = ET.fromstring(read.text).findtext("general/payloads")
sent, got = plistlib.loads(plist.encode()), plistlib.loads(stored.encode())
assert got["PayloadIdentifier"] == sent["PayloadIdentifier"], got["PayloadIdentifier"]
print(f"read back: id {pid}, PayloadIdentifier {got['PayloadIdentifier']}")
