#!/usr/bin/env bash
# One roster, two ways, in the same run: `pbkit rollout` against the pipeline admins script
# today (one Python process; per identity `openssl pkcs12 -legacy` to extract and again to
# re-export; plistlib; `openssl smime -sign -nodetach -binary -outform der`).
#
# Usage: scripts/bench-vs-openssl.sh [USERS]   (default 100; RSA-2048 everywhere)
# Prints both wall times (medians of several runs) and the ratio. Needs cargo, openssl,
# python3, bc. PBKIT=path/to/pbkit runs that binary instead of building the release one, and
# BENCH_SETTLE=SECONDS changes the wait for a quiet disk (35): the docs test runs the script
# on its test build with no wait, to check that it works, not to measure.
set -euo pipefail
users=${1:-100}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pbkit=${PBKIT:-}
if [ -z "$pbkit" ]; then
  cargo build --release -q --manifest-path "$here/Cargo.toml"
  pbkit="$here/target/release/pbkit"
fi

# Distinct test identities for a quarter of the users, each used by four usernames
# (key generation is not what is measured).
distinct=$(( (users + 3) / 4 ))
"$pbkit" fixtures --out "$work/pki" --users "$distinct" --generations 1 --key rsa2048 >/dev/null
python3 - "$work" "$users" "$distinct" <<'PY'
import csv, sys
work, users, distinct = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{work}/roster.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["email", "username", "display_name", "signing_p12", "encryption_p12"])
    for n in range(users):
        u = n % distinct + 1
        d = f"{work}/pki/users/test.user{u}"
        w.writerow([f"test.user{u}@pbkit.test", f"user{n}", f"Test User {u}", f"{d}/signature-g1.p12", f"{d}/encryption-g1.p12"])
PY
pki="$work/pki"
openssl pkcs12 -legacy -in "$pki/server/mdm-server.p12" -passin "file:$pki/password" -nodes -nocerts -out "$work/signer.key" 2>/dev/null
openssl pkcs12 -legacy -in "$pki/server/mdm-server.p12" -passin "file:$pki/password" -nokeys -clcerts -out "$work/signer.pem" 2>/dev/null

# Start from a quiet disk: let the setup's writeback finish, and let the previous run's
# deletions age. On ext4 without a journal (as on this project's machines, mounted with
# `discard`), files created within ~35 s of many deletions cost measurably more to allocate
# and sync: pbkit measured 0.16 s calm and 0.19-0.26 s right after 800 deletions.
sync
sleep "${BENCH_SETTLE:-35}"

# Each side runs several times (pbkit 5, then the pipeline 3), each into a new folder; the
# medians count. pbkit goes first: the pipeline deletes ~500 temporary files per run, and
# runs interleaved with it measured pbkit 20-30 % slower for that reason alone (above).
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
run_pbkit() {
  "$pbkit" rollout "$work/roster.csv" --spec "$here/profiles/exchange-smime-identities.toml" --out "$work/pbkit-out-$1" \
    --signer "$pki/server/mdm-server.p12" --signer-password-file "$pki/password" --chain "$pki/trust/intermediates.pem" \
    --in-password-file "$pki/password" >/dev/null
}
run_pipeline() {
python3 - "$work" "$here" "$work/pipeline-out-$1" <<'PY'
import csv, os, plistlib, secrets, subprocess, sys, uuid
work, here, out = sys.argv[1], sys.argv[2], sys.argv[3]
pki = f"{work}/pki"
os.makedirs(out)
def repack(p12, new_pw, tmp):
    subprocess.run(["openssl", "pkcs12", "-legacy", "-in", p12, "-passin", f"file:{pki}/password", "-nodes", "-out", tmp], check=True, capture_output=True)
    subprocess.run(["openssl", "pkcs12", "-export", "-legacy", "-in", tmp, "-passout", f"pass:{new_pw}", "-out", tmp + ".p12"], check=True, capture_output=True)
    os.remove(tmp)
    data = open(tmp + ".p12", "rb").read()
    os.remove(tmp + ".p12")
    return data
for row in csv.DictReader(open(f"{work}/roster.csv")):
    pw = secrets.token_urlsafe(24)
    sig = repack(row["signing_p12"], pw, f"{out}/{row['username']}.sig")
    enc = repack(row["encryption_p12"], pw, f"{out}/{row['username']}.enc")
    ids = [str(uuid.uuid4()).upper() for _ in range(4)]
    def p12(data, u, name):
        return {"PayloadType": "com.apple.security.pkcs12", "PayloadVersion": 1, "PayloadIdentifier": f"mil.example.{name}",
                "PayloadUUID": u, "PayloadContent": data, "Password": pw}
    profile = {"PayloadType": "Configuration", "PayloadVersion": 1, "PayloadIdentifier": "mil.example.smime", "PayloadUUID": ids[0],
               "PayloadContent": [p12(sig, ids[1], "signing"), p12(enc, ids[2], "encryption"),
                   {"PayloadType": "com.apple.eas.account", "PayloadVersion": 1, "PayloadIdentifier": "mil.example.eas", "PayloadUUID": ids[3],
                    "EmailAddress": row["email"], "UserName": row["username"], "Host": "mail.example.mil",
                    "SMIMESigningCertificateUUID": ids[1], "SMIMEEncryptionCertificateUUID": ids[2]}]}
    plain = f"{out}/{row['username']}.plist"
    with open(plain, "wb") as f:
        plistlib.dump(profile, f)
    subprocess.run(["openssl", "smime", "-sign", "-nodetach", "-binary", "-outform", "der", "-signer", f"{work}/signer.pem",
                    "-inkey", f"{work}/signer.key", "-certfile", f"{pki}/trust/intermediates.pem", "-in", plain,
                    "-out", f"{out}/{row['username']}.mobileconfig"], check=True, capture_output=True)
    os.remove(plain)
PY

}
pbkit_runs=()
pipeline_runs=()
for run in 1 2 3 4 5; do
  start=$(now); run_pbkit "$run"; pbkit_runs+=("$(echo "$(now) - $start" | bc)")
done
for run in 1 2 3; do
  start=$(now); run_pipeline "$run"; pipeline_runs+=("$(echo "$(now) - $start" | bc)")
done
pbkit_s=$(printf '%s\n' "${pbkit_runs[@]}" | median)
pipeline_s=$(printf '%s\n' "${pipeline_runs[@]}" | median)

made=$(ls "$work/pbkit-out-5" | grep -c mobileconfig)
theirs=$(ls "$work/pipeline-out-3" | grep -c mobileconfig)
printf 'users: %s (pbkit wrote %s profiles, the pipeline %s) on %s cores\n' "$users" "$made" "$theirs" "$(nproc)"
printf 'pbkit rollout:         %8.3f s  (%.2f ms per user)  median of: %s\n' "$pbkit_s" "$(echo "$pbkit_s * 1000 / $users" | bc -l)" "$(printf '%.3f ' "${pbkit_runs[@]}")"
printf 'openssl CLI pipeline:  %8.3f s  (%.2f ms per user)  median of: %s\n' "$pipeline_s" "$(echo "$pipeline_s * 1000 / $users" | bc -l)" "$(printf '%.2f ' "${pipeline_runs[@]}")"
printf 'ratio:                 %8.1fx\n' "$(echo "$pipeline_s / $pbkit_s" | bc -l)"
