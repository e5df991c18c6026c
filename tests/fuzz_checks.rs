//! The fuzz targets' checks (`fuzz/checks.rs`), run without cargo-fuzz: on the inputs fuzzing
//! starts from, on deterministic pseudo-random inputs for the differential KDF check, and on
//! every crasher kept in `fuzz/regressions/<target>/`.

include!("../fuzz/checks.rs");

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every file in `dir` (none when it does not exist).
fn files_in(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .filter(|p| p.is_file())
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

fn regressions(target: &str) -> Vec<Vec<u8>> {
    files_in(&Path::new(ROOT).join("fuzz/regressions").join(target))
}

#[test]
fn pkcs12_checks_hold_on_the_real_fixtures_and_the_regressions() {
    let mut seeds = files_in(&Path::new(ROOT).join("tests/fixtures/purebred-skp"));
    assert_eq!(seeds.len(), 8);
    // A PBMAC1 file (RFC 9579 A.1).
    seeds.extend(files_in(
        &Path::new(ROOT).join("tests/fixtures/peers/rfc9579"),
    ));
    // The first fixture in every suite, as scripts/fuzz-smoke.sh seeds it.
    let password = pbkit_pkcs12::Password::new("password");
    let id = pbkit_pkcs12::Identity::from_pkcs12(&seeds[0], &password).unwrap();
    for suite in pbkit_pkcs12::Suite::ALL {
        let options = pbkit_pkcs12::WriteOptions::new(suite);
        seeds.push(id.to_pkcs12(&password, &options).unwrap());
    }
    for data in seeds.iter().chain(&regressions("pkcs12_parse")) {
        checks::pkcs12_parse(data);
    }
    for data in seeds.iter().chain(&regressions("pkcs12_differential")) {
        checks::pkcs12_differential(data);
    }
}

#[test]
fn kdf_differential_holds_on_generated_inputs_and_the_regressions() {
    // xorshift: the same 300 inputs every run.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut inputs = regressions("kdf_differential");
    for n in 0..300 {
        let bytes = (0..(n % 90))
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        inputs.push(bytes);
    }
    for data in &inputs {
        checks::kdf_differential(data);
    }
}

#[test]
fn parser_checks_hold_on_their_seeds_and_the_regressions() {
    let fpki = files_in(&Path::new(ROOT).join("tests/fixtures/fpki"));
    assert!(fpki.len() >= 20);
    for data in fpki.iter().chain(&regressions("certificate_parse")) {
        checks::certificate_parse(data);
    }
    let specs = std::fs::read_dir(Path::new(ROOT).join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| std::fs::read(p).unwrap())
        .collect::<Vec<_>>();
    assert_eq!(specs.len(), 4);
    for data in specs.iter().chain(&regressions("spec_parse")) {
        checks::spec_parse(data);
    }
    for data in regressions("profile_parse") {
        checks::profile_parse(&data);
    }
    let roster =
        b"email,username,display_name,signing_p12,encryption_p12\na@b.mil,a,A,s.p12,e.p12\n";
    for data in std::iter::once(roster.to_vec()).chain(regressions("roster_parse")) {
        checks::roster_parse(&data);
    }
}

#[test]
fn pack_and_journal_checks_hold_on_their_seeds_and_the_regressions() {
    // A real pack, as scripts/fuzz-smoke.sh seeds it, and the fixtures as single files.
    let mut packs = files_in(&Path::new(ROOT).join("tests/fixtures/purebred-skp"));
    let zip = {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (i, p12) in packs.iter().enumerate() {
            w.start_file(
                format!("signature_{i}.p12"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            w.write_all(p12).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    packs.push(zip);
    for data in packs.iter().chain(&regressions("keyshare_open")) {
        checks::keyshare_open(data);
    }
    let journal = b"done u1 00112233445566778899AABBCCDDEEFF\ndone u2 00112233445566778899AABBCCDDEEFF\ndone torn".to_vec();
    for data in std::iter::once(journal).chain(regressions("journal_parse")) {
        checks::journal_parse(&data);
    }
}

/// The profile_diff and ddm_read checks (issue 23) on what scripts/fuzz-smoke.sh seeds
/// them with: every shipped spec built, pairs of them, a ddm build's declarations and
/// manifest, a plist nested 20,000 deep; and on their regressions.
#[test]
fn diff_and_ddm_checks_hold_on_their_seeds_and_the_regressions() {
    use crate::common::{ok, pbkit};
    let tmp = tempfile::tempdir().unwrap();
    let mut profiles = Vec::new();
    for spec in [
        "purebred-exchange",
        "mail-smime",
        "dod-trust",
        "exchange-smime-identities",
    ] {
        let out = tmp.path().join(format!("{spec}.mobileconfig"));
        ok(pbkit()
            .args(["profile", "build"])
            .arg(Path::new(ROOT).join(format!("profiles/{spec}.toml")))
            .arg("--out")
            .arg(&out));
        profiles.push(std::fs::read(&out).unwrap());
    }
    let deep = format!(
        "<plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(20_000),
        "</array>".repeat(20_000)
    )
    .into_bytes();
    let mut pairs: Vec<Vec<u8>> = Vec::new();
    for a in profiles.iter().chain([&deep]) {
        for b in &profiles {
            pairs.push([a.as_slice(), &[0xFF], b.as_slice()].concat());
        }
    }
    for data in pairs.iter().chain(&regressions("profile_diff")) {
        checks::profile_diff(data);
    }
    let ddm = tmp.path().join("ddm");
    ok(pbkit()
        .args(["ddm", "build"])
        .arg(Path::new(ROOT).join("profiles/purebred-exchange.toml"))
        .arg("--out")
        .arg(&ddm)
        .args(["--asset-base-url", "https://mdm.example.mil/assets/"]));
    let mut seeds = files_in(&ddm.join("declarations"));
    assert!(seeds.len() >= 3);
    seeds.push(std::fs::read(ddm.join("manifest.json")).unwrap());
    seeds.extend(profiles);
    seeds.push(deep);
    for data in seeds.iter().chain(&regressions("ddm_read")) {
        checks::ddm_read(data);
    }
}
