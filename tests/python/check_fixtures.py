"""Independent check of a pbkit test PKI with Python `cryptography`.

Usage: check_fixtures.py DIR. Opens every PKCS#12 listed in DIR/manifest.json with
DIR/password, checks that its key matches its certificate, and that keyUsage, SAN and EKU
match the identity's role. Prints one line per file and a closing 'N passed, N failed'.
"""
import json
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")
SMARTCARD = ObjectIdentifier("1.3.6.1.4.1.311.20.2.2")

# role -> (keyUsage bits set, SAN kinds present, EKUs)
EXPECT = {
    "signature": ({"digital_signature", "content_commitment"}, {"email", "upn"},
                  {ExtendedKeyUsageOID.EMAIL_PROTECTION, SMARTCARD, ExtendedKeyUsageOID.CLIENT_AUTH}),
    "encryption": ({"key_encipherment"}, {"email"}, {ExtendedKeyUsageOID.EMAIL_PROTECTION}),
    "piv-authentication": ({"digital_signature"}, {"upn", "uri"}, {SMARTCARD, ExtendedKeyUsageOID.CLIENT_AUTH}),
    "device": ({"digital_signature", "key_encipherment"}, {"uri"}, {ExtendedKeyUsageOID.CLIENT_AUTH}),
    "mdm-server": ({"digital_signature", "key_encipherment"}, {"dns"}, {ExtendedKeyUsageOID.SERVER_AUTH}),
}
BITS = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
        "key_agreement", "key_cert_sign", "crl_sign"]


def san_kinds(cert):
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    kinds = set()
    if san.get_values_for_type(x509.RFC822Name):
        kinds.add("email")
    if san.get_values_for_type(x509.UniformResourceIdentifier):
        kinds.add("uri")
    if san.get_values_for_type(x509.DNSName):
        kinds.add("dns")
    if any(o.type_id == UPN for o in san.get_values_for_type(x509.OtherName)):
        kinds.add("upn")
    return kinds


def check(dir_, entry, password):
    data = (dir_ / entry["path"]).read_bytes()
    key, cert, extra = pkcs12.load_key_and_certificates(data, password)
    assert key is not None and cert is not None, "no key or certificate"
    pub = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert pub(key.public_key()) == pub(cert.public_key()), "key does not match certificate"
    assert not extra, "unexpected extra certificates"
    assert cert.serial_number == int(entry["certificate"]["serial"], 16), "serial differs from manifest"
    ku_want, san_want, eku_want = EXPECT[entry["role"]]
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical, "keyUsage not critical"
    ku_set = {b for b in BITS if getattr(ku.value, b)}
    assert ku_set == ku_want, f"keyUsage {ku_set} != {ku_want}"
    assert san_kinds(cert) == san_want, f"SAN kinds {san_kinds(cert)} != {san_want}"
    eku = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert eku == eku_want, f"EKU {eku} != {eku_want}"


def main():
    dir_ = Path(sys.argv[1])
    manifest = json.loads((dir_ / "manifest.json").read_text())
    password = (dir_ / "password").read_bytes()
    passed = failed = 0
    for entry in manifest["files"]:
        if entry["format"] != "pkcs12":
            continue
        try:
            check(dir_, entry, password)
            print(f"ok {entry['path']}")
            passed += 1
        except Exception as e:  # report every file, then fail
            print(f"FAIL {entry['path']}: {e}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
