#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS (default 30; docs/security.md records a run of
# 600, i.e. 10 minutes per target), seeded from the project's fixtures.
# A crash stops the script with the target's name; once fixed, keep the crasher in
# fuzz/regressions/<target>/, where tests/fuzz_checks.rs runs it in the normal test suite.
#
# Usage: scripts/fuzz-smoke.sh [SECONDS] [TARGET...]
set -euo pipefail
seconds=${1:-30}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here/fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz needs unstable compiler flags; this toolchain is stable.
export RUSTC_BOOTSTRAP=1

seed() {
  local target=$1 dir=$here/fuzz/corpus/$1
  mkdir -p "$dir"
  case $target in
    pkcs12_parse|pkcs12_differential)
      cp "$here"/tests/fixtures/purebred-skp/*.p12 "$here"/profiles/test-identities/*.p12 "$dir"/
      cp "$here"/tests/fixtures/peers/rfc9579/*.p12 "$dir"/ # PBMAC1
      # One fixture in every suite, so that PBES2 and the purebred layout are mutated too.
      for suite in ios-legacy purebred modern; do
        PBKIT_FUZZ_PW=password "$here/target/release/pbkit" p12 repack \
          "$here"/tests/fixtures/purebred-skp/974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12 \
          --in-password-env PBKIT_FUZZ_PW --out-password-env PBKIT_FUZZ_PW --suite "$suite" --out "$dir/$suite.p12" >/dev/null
      done ;;
    kdf_differential) head -c 64 /dev/urandom > "$dir/random"; printf '\002\001\377\030\010\002\000\010\010\001\000\024saltsaltpassword' > "$dir/shapes" ;;
    certificate_parse) cp "$here"/tests/fixtures/fpki/*.pem "$dir"/ ;;
    profile_parse) for s in "$here"/profiles/*.toml; do
        "$here/target/release/pbkit" profile build "$s" --out "$dir/$(basename "$s" .toml).mobileconfig" >/dev/null; done ;;
    spec_parse) cp "$here"/profiles/*.toml "$dir"/ ;;
    roster_parse) printf 'email,username,display_name,signing_p12,encryption_p12\na@b.mil,a,A,s.p12,e.p12\n' > "$dir/roster.csv" ;;
    keyshare_open)
      cp "$here"/tests/fixtures/purebred-skp/*.p12 "$dir"/
      # A real pack as Purebred serves it: the fixtures' first identity, packed by pbkit.
      rm -rf "$dir/.pack"
      PBKIT_FUZZ_PW=password "$here/target/release/pbkit" keyshare pack \
        "$here"/tests/fixtures/purebred-skp/974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12 \
        --in-password-env PBKIT_FUZZ_PW --out "$dir/.pack" >/dev/null 2>&1
      cp "$dir"/.pack/*.zip "$dir"/ && rm -rf "$dir/.pack" ;;
    profile_diff|ddm_read)
      local built=() s
      for s in "$here"/profiles/*.toml; do
        "$here/target/release/pbkit" profile build "$s" --out "$dir/$(basename "$s" .toml).mobileconfig" >/dev/null
        built+=("$dir/$(basename "$s" .toml).mobileconfig")
      done
      if [ "$target" = profile_diff ]; then
        # Two profiles a seed, split at a 0xFF byte (fuzz/checks.rs).
        { cat "${built[0]}"; printf '\377'; cat "${built[1]}"; } > "$dir/pair"
      else
        rm -rf "$dir/.ddm"
        "$here/target/release/pbkit" ddm build "$here/profiles/purebred-exchange.toml" \
          --out "$dir/.ddm" --asset-base-url https://mdm.example.mil/assets/ >/dev/null 2>&1
        cp "$dir"/.ddm/declarations/*.json "$dir"/ && cp "$dir/.ddm/manifest.json" "$dir/manifest" && rm -rf "$dir/.ddm"
      fi ;;
    journal_parse) printf 'done u1 00112233445566778899AABBCCDDEEFF\ndone u2 FFEEDDCCBBAA99887766554433221100\ndone tor' > "$dir/journal" ;;
  esac
}

cargo build --release -q --manifest-path "$here/Cargo.toml"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pkcs12_parse pkcs12_differential kdf_differential certificate_parse profile_parse spec_parse roster_parse keyshare_open journal_parse profile_diff ddm_read)
for t in "${targets[@]}"; do
  seed "$t"
  echo "== $t ($seconds s)"
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 2>&1 | grep -E "^(#[0-9]+ *DONE|==[0-9]+==|SUMMARY|Done)" || true
  if ls "artifacts/$t"/crash-* >/dev/null 2>&1; then
    echo "CRASH in $t: $(ls artifacts/$t/crash-*)"
    exit 1
  fi
done
echo "fuzz smoke: ${#targets[@]} targets, $seconds s each, no crash"
