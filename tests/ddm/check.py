#!/usr/bin/env python3
"""An independent check of pbkit's declarative output against Apple's YAML schema.

Reads DIR/manifest.json, every declaration and every asset data file pbkit wrote, and
checks them against crates/ddm/schema/*.yaml directly (PyYAML), without pbkit's code:
required keys present, no key the schema does not have, value types, allowed values,
asset references that resolve to an asset of an allowed type, Reference.DataURL https,
Size and Hash-SHA-256 equal to the data file's, credential documents against their
credential schema, every configuration activated. Prints one line per problem and
`ok: N declarations, M asset files`; exits 1 on any problem.

Usage: check.py SCHEMA_DIR OUT_DIR
"""

import base64
import hashlib
import json
import os
import sys

import yaml

schema_dir, out = sys.argv[1], sys.argv[2]
by_type = {}
for name in os.listdir(schema_dir):
    if name.endswith(".yaml"):
        doc = yaml.safe_load(open(os.path.join(schema_dir, name)))
        kind = doc["payload"].get("declarationtype") or doc["payload"].get("credentialtype")
        by_type[kind] = doc

problems = []
TYPES = {"<string>": str, "<boolean>": bool, "<integer>": int, "<array>": list,
         "<dictionary>": dict, "<data>": str, "<real>": (int, float)}


def check(value, keys, where, refs):
    if not isinstance(value, dict):
        problems.append(f"{where}: not a dictionary")
        return
    known = {k["key"]: k for k in keys}
    for k in keys:
        if k.get("presence") == "required" and k["key"] not in value:
            problems.append(f"{where}: required {k['key']} missing")
    for name, v in value.items():
        if name not in known:
            problems.append(f"{where}: {name} is not in Apple's schema")
            continue
        check_value(v, known[name], f"{where}.{name}", refs)


def check_value(v, k, where, refs):
    want = TYPES.get(k["type"])
    if want is None:
        return
    if want is int and isinstance(v, bool) or not isinstance(v, want):
        problems.append(f"{where}: {v!r} is not {k['type']}")
        return
    if "rangelist" in k and not isinstance(v, (list, dict)) and v not in k["rangelist"]:
        problems.append(f"{where}: {v!r} not in {k['rangelist']}")
    if "assettypes" in k:
        refs.append((where, v, k["assettypes"]))
    if k["type"] == "<data>":
        base64.b64decode(v, validate=True)
    subs = k.get("subkeys") or []
    if k["type"] == "<dictionary>" and subs:
        check(v, subs, where, refs)
    if k["type"] == "<array>" and subs:
        for i, item in enumerate(v):
            check_value(item, subs[0], f"{where}[{i}]", refs)


manifest = json.load(open(os.path.join(out, "manifest.json")))
declarations = {}
for entry in manifest["declarations"]:
    d = json.load(open(os.path.join(out, entry["file"])))
    where = d.get("Identifier", entry["file"])
    for top in ("Type", "Identifier", "ServerToken", "Payload"):
        if top not in d:
            problems.append(f"{where}: no {top}")
    if d["Type"] not in by_type:
        problems.append(f"{where}: Apple's schema has no {d['Type']}")
        continue
    if d["ServerToken"] != entry["server_token"]:
        problems.append(f"{where}: ServerToken differs from the manifest's")
    declarations[d["Identifier"]] = d
refs = []
for ident, d in declarations.items():
    check(d["Payload"], by_type[d["Type"]]["payloadkeys"], ident, refs)
for where, target, allowed in refs:
    if target not in declarations:
        problems.append(f"{where}: {target} is no declaration")
    elif declarations[target]["Type"] not in allowed:
        problems.append(f"{where}: {target} is a {declarations[target]['Type']}, not {allowed}")

files = {a["url"]: a for a in manifest["assets"]}
for ident, d in declarations.items():
    ref = d["Payload"].get("Reference")
    if ref is None:
        continue
    url = ref["DataURL"]
    if not url.startswith("https://"):
        problems.append(f"{ident}: DataURL {url} is not https")
    asset = files.get(url)
    if asset is None:
        problems.append(f"{ident}: no asset file is served at {url}")
        continue
    data = open(os.path.join(out, asset["file"]), "rb").read()
    if ref.get("Size") != len(data):
        problems.append(f"{ident}: Size {ref.get('Size')} but the file has {len(data)} bytes")
    if ref.get("Hash-SHA-256") != hashlib.sha256(data).hexdigest():
        problems.append(f"{ident}: Hash-SHA-256 is not the file's")
    if ref.get("ContentType") == "application/json":
        doc = json.loads(data)
        kind = doc.pop("Type", None)
        if kind not in by_type:
            problems.append(f"{ident}: data document of unknown Type {kind}")
        else:
            check(doc, by_type[kind]["payloadkeys"], f"{ident} data", [])

activated = set()
for d in declarations.values():
    if d["Type"].startswith("com.apple.activation."):
        activated.update(d["Payload"]["StandardConfigurations"])
for ident, d in declarations.items():
    if d["Type"].startswith("com.apple.configuration.") and ident not in activated:
        problems.append(f"{ident}: no activation installs it")
    if d["Type"].startswith("com.apple.activation."):
        for target in d["Payload"]["StandardConfigurations"]:
            if target not in declarations:
                problems.append(f"{ident}: activates {target}, which is no declaration")

for p in problems:
    print(p)
print(f"ok: {len(declarations)} declarations, {len(manifest['assets'])} asset files"
      if not problems else f"{len(problems)} problems")
sys.exit(1 if problems else 0)
