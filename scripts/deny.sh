#!/usr/bin/env bash
# cargo deny check (licences, advisories, duplicate versions, sources). Where GitHub cannot
# be reached (CI reaches crates.io only), the advisories come from deny/advisory-db, a
# dated snapshot of the RustSec database (see its PROVENANCE.md), and the run says so.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if cargo deny check 2>&1 | tee "$log"; then
  exit 0
fi
db=$(grep -o '/[^"]*/advisory-db-[0-9a-f]*' "$log" | head -1 || true)
if [ -z "$db" ] || ! grep -q 'failed to fetch advisory database' "$log"; then
  exit 1 # a real finding, shown above
fi
snapshot=$(sed -n 's/^snapshot: //p' deny/advisory-db/PROVENANCE.md)
echo "cargo deny: the advisory database cannot be fetched; using the snapshot in deny/advisory-db ($snapshot)"
rm -rf "$db"
mkdir -p "$db"
cp -r deny/advisory-db/. "$db/"
# cargo-deny reads the database's age from its git HEAD: commit it with the snapshot's date.
date=${snapshot#* }
(cd "$db" && git init -q && git add -A \
  && GIT_AUTHOR_DATE="${date}T00:00:00Z" GIT_COMMITTER_DATE="${date}T00:00:00Z" \
     git -c user.name=pbkit -c user.email=ci@pbkit.invalid commit -q -m "RustSec snapshot $snapshot")
cargo deny --offline check
