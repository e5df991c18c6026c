#!/usr/bin/env bash
# The whole test suite, with what it needs installed first, on Debian (as root, or with
# sudo for apt-get). README.md's second command and .ci/run both run this script, so what
# a developer runs and what CI runs cannot drift.
#
#   scripts/test.sh          install what is missing, then cargo test --workspace
#   scripts/test.sh deps     install what is missing, run no test
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
apt() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get "$@"
}

say "system packages (OpenSSL headers, the openssl CLI, Java keytool, Python, bc, slapd)"
need=()
command -v pkg-config >/dev/null || need+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
command -v openssl >/dev/null || need+=(openssl)
command -v keytool >/dev/null || need+=(default-jre-headless)
command -v python3 >/dev/null || need+=(python3 python3-pip)
command -v bc >/dev/null || need+=(bc) # scripts/bench-vs-openssl.sh, run by the docs test
# OpenLDAP's server: `preflight outgoing` is tested against its StartTLS.
[ -x /usr/sbin/slapd ] || need+=(slapd)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt update -qq
  apt install -y -qq "${need[@]}"
fi

say "python cryptography"
if ! python3 -c 'import cryptography' 2>/dev/null; then
  python3 -m pip install --quiet cryptography \
    || { apt update -qq && apt install -y -qq python3-cryptography; }
fi
python3 -c 'import cryptography; print("cryptography", cryptography.__version__)'

say "PyYAML (reads Apple's declarative schema in tests/ddm/check.py)"
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml
python3 -c 'import yaml; print("PyYAML", yaml.__version__)'

say "aiosmtpd (a real SMTP server with STARTTLS, for preflight outgoing's tests)"
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd
python3 -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)'

say "jamf-pro-sdk (Jamf's Python SDK: it proves the Jamf Pro API test server speaks Jamf's protocol)"
python3 -c 'import jamf_pro_sdk' 2>/dev/null || python3 -m pip install --quiet jamf-pro-sdk
python3 -c 'import jamf_pro_sdk.__about__ as a; print("jamf-pro-sdk", a.__version__)'

say "OpenSSL legacy provider (RC2-40 and 3DES PKCS#12 for the interop tests)"
openssl version
openssl list -providers -provider legacy -provider default | grep -qi legacy \
  || { echo "OpenSSL legacy provider missing (ossl-modules/legacy.so)"; exit 1; }
keytool -help >/dev/null 2>&1 && echo "keytool present"

[ "${1:-}" = deps ] && exit 0

say "cargo test --workspace"
cargo test --workspace
