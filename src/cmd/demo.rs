use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use pbkit_fixtures::{generate, Options};
use pbkit_keyshare::{PackOptions, Plan, Source};
use pbkit_outfile::{Existing, Perm, StagedDir};
use pbkit_pkcs12::{Identity, Password};
use pbkit_profile::{lint, verify, BuildContext, LintOptions, Severity, Signer, Spec};
use serde::Serialize;

use crate::out::outln;

/// `(name, bytes)` of files under `profiles/`, embedded at build time.
macro_rules! profiles {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../profiles/", $name)))),*]
    };
}

/// The shipped `profiles/`, embedded so that the demo runs from anywhere.
pub const PROFILES: &[(&str, &[u8])] = profiles![
    "README.md",
    "purebred-exchange.toml",
    "exchange-smime-identities.toml",
    "mail-smime.toml",
    "dod-trust.toml",
    "test-identities/signature.p12",
    "test-identities/encryption.p12",
    "test-identities/password",
    "certs/dod-root-ca-3.pem",
    "certs/dod-id-ca-63.pem",
    "certs/dod-id-ca-71.pem",
    "certs/dod-email-ca-63.pem",
    "certs/dod-email-ca-71.pem",
    "certs/dod-sw-ca-66.pem",
    "certs/dod-sw-ca-75.pem",
];

#[derive(Args)]
#[command(after_help = "\
Runs the whole toolkit on built-in defaults, with nothing of yours: a test PKI (pbkit
fixtures), a Purebred key-sharing pack of its first user (pbkit keyshare pack), every spec
of profiles/ built and signed by the test MDM server identity (pbkit profile build), each
profile linted and verified against the test anchor, and the profiles with an account in
their declarative form (pbkit ddm convert), linted. Everything lands in one folder.

Examples:
  pbkit demo
  pbkit demo --out demo --force --json")]
pub struct DemoArgs {
    /// Output folder [default: a new folder under the system temp dir].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace a non-empty --out folder (only once the new one is complete).
    #[arg(long)]
    force: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Summary {
    out: String,
    pki_files: usize,
    pack_archives: Vec<(String, usize)>,
    profiles: Vec<ProfileResult>,
    /// Declarative output of the specs with an account.
    ddm: Vec<DdmResult>,
    lint_errors: usize,
    lint_warnings: usize,
    /// The checks that warned, once each (on built-in defaults: the specs' example hosts).
    lint_warning_checks: std::collections::BTreeSet<&'static str>,
}

#[derive(Serialize)]
struct DdmResult {
    spec: String,
    dir: String,
    declarations: usize,
    asset_files: usize,
    lint_errors: usize,
    lint_warnings: usize,
}

/// Where the demo says its declarative assets would be served (the test PKI's server).
const DEMO_ASSET_BASE: &str = "https://mdm.pbkit.test/ddm/";

#[derive(Serialize)]
struct ProfileResult {
    spec: String,
    file: String,
    payloads: usize,
    bytes: usize,
    verdict: String,
}

pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let out = match &a.out {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!("pbkit-demo-{}", std::process::id())),
    };
    let existing = if a.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let staged = StagedDir::new(&out, existing, Perm::Secret)?;
    let dir = staged.path().to_path_buf();
    let opts = Options::default();
    let bar = crate::progress::bar(opts.steps() + 2 * (PROFILES.len() as u64), "demo");

    // 1. A test PKI.
    let pki_dir = dir.join("pki");
    pbkit_outfile::create_dir(&pki_dir, Perm::Secret)?;
    let pki = generate(&opts, &|| bar.inc(1))?;
    let manifest = pki.write(&pki_dir)?.clone();

    // 2. A key-sharing pack of the first user.
    let user = pki_dir.join("users/test.user1");
    let mut sources = Vec::new();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&user)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "p12"))
        .collect();
    inputs.sort();
    for p in inputs {
        let identity = Identity::from_pkcs12(
            &pbkit_infile::read(&p, pbkit_pkcs12::FILE_LIMIT)?,
            pki.password(),
        )?;
        sources.push(Source {
            origin: rel(&p, &dir),
            identity,
        });
    }
    let pack_dir = dir.join("pack");
    pbkit_outfile::create_dir(&pack_dir, Perm::Secret)?;
    let pack = Plan::new(sources, opts.at)?.write(
        &pack_dir,
        PackOptions::for_format(pbkit_keyshare::Format::V2025),
        &Password::generate(),
    )?;

    // 3. Every shipped spec, built and signed by the MDM server identity with its path.
    let specs_dir = dir.join("specs");
    for (name, bytes) in PROFILES {
        let path = specs_dir.join(name);
        let perm = if name.starts_with("test-identities/") {
            Perm::Secret
        } else {
            Perm::Public
        };
        if let Some(parent) = path.parent() {
            pbkit_outfile::create_dir(parent, perm)?;
        }
        pbkit_outfile::write(&path, bytes, perm)?;
    }
    let signer = Signer::load(
        &pki_dir.join("server/mdm-server.p12"),
        pki.password(),
        &[pki_dir.join("trust/intermediates.pem")],
    )?;
    let anchors = pbkit_pki::bundle::read_file(pki_dir.join("trust/anchor.pem"))?;
    let profiles_dir = dir.join("profiles");
    pbkit_outfile::create_dir(&profiles_dir, Perm::Secret)?;
    let mut profiles = Vec::new();
    let mut ddm = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    let mut warning_checks = std::collections::BTreeSet::new();
    let ctx = BuildContext {
        base: specs_dir.clone(),
        ..BuildContext::default()
    };
    for (name, _) in PROFILES.iter().filter(|(n, _)| n.ends_with(".toml")) {
        let spec_path = specs_dir.join(name);
        let origin = format!("profiles/{name}");
        let profile = Spec::read(&spec_path)?.build(&origin, &ctx)?;
        let xml = profile.to_bounded_xml()?;
        let signed = signer.sign(&xml)?;
        let stem = name.trim_end_matches(".toml");
        let file = profiles_dir.join(format!("{stem}.mobileconfig"));
        pbkit_outfile::write(&file, &signed, super::profile::perm_of(&profile))?;
        bar.inc(1);
        for f in lint(&signed, &LintOptions::default()) {
            match f.severity {
                Severity::Error => errors += 1,
                Severity::Warning => {
                    warnings += 1;
                    warning_checks.insert(f.check);
                }
                Severity::Note => {}
            }
        }
        let verdict = verify(&signed, &anchors).verdict();
        let has_account = profile.payloads.iter().any(|p| {
            matches!(
                p.content,
                pbkit_profile::model::Content::Exchange(_) | pbkit_profile::model::Content::Mail(_)
            )
        });
        if has_account {
            let result = declarative(&profile, stem, &dir)?;
            errors += result.lint_errors;
            ddm.push(result);
        }
        bar.inc(1);
        profiles.push(ProfileResult {
            spec: origin,
            file: rel(&file, &dir),
            payloads: profile.payloads.len(),
            bytes: signed.len(),
            verdict: verdict.to_string(),
        });
    }
    bar.finish_and_clear();
    staged.commit().with_context(|| out.display().to_string())?;

    let summary = Summary {
        out: out.display().to_string(),
        pki_files: manifest.files.len() + 1,
        pack_archives: pack
            .archives
            .iter()
            .map(|a| (a.name.clone(), a.entries.len()))
            .collect(),
        profiles,
        ddm,
        lint_errors: errors,
        lint_warnings: warnings,
        lint_warning_checks: warning_checks,
    };
    if a.json {
        super::print_json(&summary)?;
    } else {
        print_summary(&summary);
    }
    let all_verified = summary.profiles.iter().all(|p| p.verdict == "Verified");
    Ok(if errors == 0 && all_verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAILURE)
    })
}

/// The profile as declarations (pbkit ddm convert) in `ddm/<stem>/`, linted.
fn declarative(
    profile: &pbkit_profile::model::Profile,
    stem: &str,
    dir: &Path,
) -> anyhow::Result<DdmResult> {
    let out = dir.join("ddm").join(stem);
    pbkit_outfile::create_dir(&dir.join("ddm"), Perm::Secret)?;
    let base = format!("{DEMO_ASSET_BASE}{stem}/assets/");
    let set = pbkit_ddm::convert(
        profile,
        &pbkit_ddm::Options {
            asset_base_url: base.clone(),
            suite: pbkit_pkcs12::Suite::IosLegacy,
            predicate: None,
            previous: Default::default(),
        },
    )?;
    let manifest = pbkit_ddm::write(&set, &out, false)?;
    let files = pbkit_ddm::lint::files(std::slice::from_ref(&out))?;
    let linted = pbkit_ddm::lint::lint(
        &files,
        &LintOptions {
            min_ios: "17.0".into(),
            ..LintOptions::default()
        },
    );
    let count = |s: Severity| {
        linted
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    Ok(DdmResult {
        spec: format!("profiles/{stem}.toml"),
        dir: rel(&out, dir),
        declarations: manifest.declarations.len(),
        asset_files: manifest.assets.len(),
        lint_errors: count(Severity::Error),
        lint_warnings: count(Severity::Warning),
    })
}

fn rel(p: &Path, base: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

fn print_summary(s: &Summary) {
    let d = &s.out;
    outln!("pbkit demo: everything is in {d}");
    outln!("  pki/       test PKI: {} files; anchor pki/trust/anchor.pem; PKCS#12 password in pki/password", s.pki_files);
    let archives: Vec<String> = s
        .pack_archives
        .iter()
        .map(|(n, c)| format!("{n} ({c})"))
        .collect();
    outln!(
        "  pack/      key-sharing pack of test.user1: {}; password in pack/password",
        archives.join(", ")
    );
    outln!(
        "  profiles/  {} profiles, signed by the test MDM server identity:",
        s.profiles.len()
    );
    let width = s.profiles.iter().map(|p| p.file.len()).max().unwrap_or(0);
    for p in &s.profiles {
        outln!(
            "               {:<width$}  {:<10} {:>6} bytes, {}",
            p.file,
            format!("{},", crate::out::plural(p.payloads, "payload")),
            p.bytes,
            p.verdict
        );
    }
    outln!(
        "  ddm/       declarative form (iOS 17) of the {} with an account (pbkit ddm convert):",
        crate::out::plural(s.ddm.len(), "profile")
    );
    let width = s.ddm.iter().map(|d| d.dir.len()).max().unwrap_or(0);
    for d in &s.ddm {
        outln!(
            "               {:<width$}  {}, {}; ddm lint: {}, {}",
            d.dir,
            crate::out::plural(d.declarations, "declaration"),
            crate::out::count(d.asset_files, "asset file", "asset files"),
            crate::out::plural(d.lint_errors, "error"),
            crate::out::plural(d.lint_warnings, "warning")
        );
    }
    let checks: Vec<&str> = s.lint_warning_checks.iter().copied().collect();
    outln!(
        "  lint       {}, {}{}",
        crate::out::plural(s.lint_errors, "error"),
        crate::out::plural(s.lint_warnings, "warning"),
        if checks.is_empty() {
            String::new()
        } else {
            format!(
                " ({}: the specs' defaults; build yours with --var)",
                checks.join(", ")
            )
        }
    );
    outln!();
    outln!("Next:");
    outln!("  pbkit keyshare open '{d}/pack/All.zip' --password-file '{d}/pack/password'");
    outln!("  pbkit profile inspect '{d}/profiles/exchange-smime-identities.mobileconfig' --anchor '{d}/pki/trust/anchor.pem'");
    outln!("  pbkit profile build profiles/purebred-exchange.toml --var host=YOUR-HOST --out exchange.mobileconfig");
    outln!("  pbkit ddm lint '{d}/ddm/exchange-smime-identities'");
    outln!("  docs/jamf-admins.md (profiles to Jamf Pro), docs/app-developers.md (key sharing)");
}
