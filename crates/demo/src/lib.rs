#![doc = include_str!("../README.md")]

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use pbkit_fixtures::{generate, Options};
use pbkit_keyshare::{PackOptions, Plan, Source};
use pbkit_outfile::{Existing, Perm, StagedDir};
use pbkit_pkcs12::Password;
use pbkit_profile::model::Content;
use pbkit_profile::seal::Seal;
use pbkit_profile::{lint, verify, BuildContext, LintOptions, Severity, Signer, Spec, Verdict};
use pbkit_words::{count, plural};
use serde::Serialize;

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../../profiles/", $name)))),*]
    };
}

/// The files of `profiles/` the demo builds from, by their path under it: the specs, and
/// the certificates and test identities they name.
pub const PROFILES: &[(&str, &[u8])] = shipped![
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

/// Where the declarative form's assets are said to be served from.
const ASSET_BASE: &str = "https://mdm.pbkit.test/ddm/";

/// Why the demo could not run (a failed check is not an error: see [`Summary::passed`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The output folder could not be staged or committed.
    #[error(transparent)]
    Folder(#[from] pbkit_outfile::DirError),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
    /// The test PKI could not be made.
    #[error(transparent)]
    Fixtures(#[from] pbkit_fixtures::Error),
    /// The key-sharing pack could not be made (a test identity did not open, …).
    #[error(transparent)]
    Keyshare(#[from] pbkit_keyshare::Error),
    /// A certificate could not be read.
    #[error(transparent)]
    Pki(#[from] pbkit_pki::Error),
    /// A profile could not be built or signed.
    #[error(transparent)]
    Profile(#[from] pbkit_profile::Error),
    /// The declarative form could not be made.
    #[error(transparent)]
    Ddm(#[from] pbkit_ddm::Error),
    /// A folder of the demo could not be listed.
    #[error("{path}: {source}")]
    Io {
        /// The folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The demo, into one folder.
#[derive(Debug, Clone)]
#[must_use]
pub struct Demo {
    out: PathBuf,
    existing: Existing,
    fixtures: Options,
}

impl Demo {
    /// A demo into `out`, which must not exist or be empty (see [`Demo::replace`]).
    pub fn new(out: impl Into<PathBuf>) -> Demo {
        Demo {
            out: out.into(),
            existing: Existing::Refuse,
            fixtures: Options::default(),
        }
    }

    /// Replace a folder that is there (only once the new one is complete).
    pub fn replace(self, replace: bool) -> Demo {
        Demo {
            existing: Existing::replace_if(replace),
            ..self
        }
    }

    /// How many times [`Demo::run`] calls its `tick`: for a progress bar.
    pub fn steps(&self) -> u64 {
        self.fixtures.steps() + 2 * (PROFILES.len() as u64)
    }

    /// Runs the demo, calling `tick` as steps finish.
    pub fn run(&self, tick: &(dyn Fn() + Sync)) -> Result<Summary, Error> {
        let staged = StagedDir::new(&self.out, self.existing, Perm::Secret)?;
        let dir = staged.path().to_path_buf();

        // 1. A test PKI.
        let pki_dir = dir.join("pki");
        pbkit_outfile::create_dir(&pki_dir, Perm::Secret)?;
        let pki = generate(&self.fixtures, tick)?;
        let pki_files = pki.write(&pki_dir)?.files.len() + 1;

        // 2. A key-sharing pack of the first user.
        let pack = self.pack(&pki_dir.join("users/test.user1"), pki.password(), &dir)?;

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
        let mut summary = Summary {
            out: self.out.display().to_string(),
            pki_files,
            pack_archives: pack,
            profiles: Vec::new(),
            ddm: Vec::new(),
            lint_errors: 0,
            lint_warnings: 0,
            lint_warning_checks: BTreeSet::new(),
        };
        let ctx = BuildContext {
            base: specs_dir.clone(),
            ..BuildContext::default()
        };
        for (name, _) in PROFILES.iter().filter(|(n, _)| n.ends_with(".toml")) {
            let origin = format!("profiles/{name}");
            let profile = Spec::read(&specs_dir.join(name))?.build(&origin, &ctx)?;
            let sealed = Seal::new().signed_by(&signer).profile(&profile)?;
            let stem = name.trim_end_matches(".toml");
            let file = profiles_dir.join(format!("{stem}.mobileconfig"));
            sealed.write(&file)?;
            tick();
            for f in lint(&sealed.bytes, &LintOptions::default()) {
                match f.severity {
                    Severity::Error => summary.lint_errors += 1,
                    Severity::Warning => {
                        summary.lint_warnings += 1;
                        summary.lint_warning_checks.insert(f.check);
                    }
                    Severity::Note => {}
                }
            }
            let verdict = verify(&sealed.bytes, &anchors).verdict();
            let has_account = profile
                .payloads
                .iter()
                .any(|p| matches!(p.content, Content::Exchange(_) | Content::Mail(_)));
            if has_account {
                let result = declarative(&profile, stem, &dir)?;
                summary.lint_errors += result.lint_errors;
                summary.ddm.push(result);
            }
            tick();
            summary.profiles.push(ProfileResult {
                spec: origin,
                file: rel(&file, &dir),
                payloads: profile.payloads.len(),
                bytes: sealed.bytes.len(),
                verdict,
            });
        }
        staged.commit()?;
        Ok(summary)
    }

    /// Packs the user's identities (every `*.p12` in `user`) in the 2025 format into
    /// `dir/pack`: each archive's name and entry count.
    fn pack(
        &self,
        user: &Path,
        password: &Password,
        dir: &Path,
    ) -> Result<Vec<(String, usize)>, Error> {
        let mut sources = Source::read_all(&[user.to_path_buf()], password)?;
        // Named relative to the demo's folder, not to where it was staged.
        for s in &mut sources {
            s.origin = rel(Path::new(&s.origin), dir);
        }
        let pack_dir = dir.join("pack");
        pbkit_outfile::create_dir(&pack_dir, Perm::Secret)?;
        let pack = Plan::new(sources, self.fixtures.at)?.write(
            &pack_dir,
            PackOptions::for_format(pbkit_keyshare::Format::V2025),
            &Password::generate(),
        )?;
        Ok(pack
            .archives
            .iter()
            .map(|a| (a.name.clone(), a.entries.len()))
            .collect())
    }
}

/// What the demo made and found; its `Display` is `pbkit demo`'s report.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The folder.
    pub out: String,
    /// Files of the test PKI.
    pub pki_files: usize,
    /// The pack's archives, each with its entry count.
    pub pack_archives: Vec<(String, usize)>,
    /// Every profile built.
    pub profiles: Vec<ProfileResult>,
    /// Every declarative form made.
    pub ddm: Vec<DdmResult>,
    /// Lint errors over every profile and declarative form.
    pub lint_errors: usize,
    /// Lint warnings over every profile.
    pub lint_warnings: usize,
    /// The checks that warned.
    pub lint_warning_checks: BTreeSet<&'static str>,
}

/// One profile the demo built.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct ProfileResult {
    /// `profiles/<name>.toml`.
    pub spec: String,
    /// The signed profile, relative to the folder.
    pub file: String,
    /// Its payloads.
    pub payloads: usize,
    /// Its size.
    pub bytes: usize,
    /// Its signature checked against the test anchor.
    #[serde(serialize_with = "as_text")]
    pub verdict: Verdict,
}

fn as_text<S: serde::Serializer>(v: &Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// One profile's declarative form.
#[derive(Debug, Serialize)]
#[non_exhaustive]
pub struct DdmResult {
    /// The spec it was built from.
    pub spec: String,
    /// Its folder, relative to the demo's.
    pub dir: String,
    /// Declarations written.
    pub declarations: usize,
    /// Asset files written.
    pub asset_files: usize,
    /// `ddm lint` errors.
    pub lint_errors: usize,
    /// `ddm lint` warnings.
    pub lint_warnings: usize,
}

impl Summary {
    /// Every profile Verified and no lint error.
    pub fn passed(&self) -> bool {
        self.lint_errors == 0 && self.profiles.iter().all(|p| p.verdict == Verdict::Verified)
    }
}

/// The declarative form of `profile` under `dir/ddm/<stem>`, linted for iOS 17.
fn declarative(
    profile: &pbkit_profile::Profile,
    stem: &str,
    dir: &Path,
) -> Result<DdmResult, Error> {
    let out = dir.join("ddm").join(stem);
    pbkit_outfile::create_dir(&dir.join("ddm"), Perm::Secret)?;
    let set = pbkit_ddm::convert(
        profile,
        &pbkit_ddm::Options {
            asset_base_url: format!("{ASSET_BASE}{stem}/assets/"),
            suite: pbkit_pkcs12::Suite::IosLegacy,
            predicate: None,
            previous: Default::default(),
        },
    )?;
    let manifest = pbkit_ddm::write(&set, &out, false)?;
    let files = pbkit_ddm::lint::files(std::slice::from_ref(&out)).map_err(|source| Error::Io {
        path: out.display().to_string(),
        source,
    })?;
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

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.out;
        writeln!(f, "pbkit demo: everything is in {d}")?;
        writeln!(
            f,
            "  pki/       test PKI: {} files; anchor pki/trust/anchor.pem; PKCS#12 password in pki/password",
            self.pki_files
        )?;
        let archives: Vec<String> = self
            .pack_archives
            .iter()
            .map(|(n, c)| format!("{n} ({c})"))
            .collect();
        writeln!(
            f,
            "  pack/      key-sharing pack of test.user1: {}; password in pack/password",
            archives.join(", ")
        )?;
        writeln!(
            f,
            "  profiles/  {} profiles, signed by the test MDM server identity:",
            self.profiles.len()
        )?;
        let width = self
            .profiles
            .iter()
            .map(|p| p.file.len())
            .max()
            .unwrap_or(0);
        for p in &self.profiles {
            writeln!(
                f,
                "               {:<width$}  {:<10} {:>6} bytes, {}",
                p.file,
                format!("{},", plural(p.payloads, "payload")),
                p.bytes,
                p.verdict
            )?;
        }
        writeln!(
            f,
            "  ddm/       declarative form (iOS 17) of the {} with an account (pbkit ddm convert):",
            plural(self.ddm.len(), "profile")
        )?;
        let width = self.ddm.iter().map(|d| d.dir.len()).max().unwrap_or(0);
        for d in &self.ddm {
            writeln!(
                f,
                "               {:<width$}  {}, {}; ddm lint: {}, {}",
                d.dir,
                plural(d.declarations, "declaration"),
                count(d.asset_files, "asset file", "asset files"),
                plural(d.lint_errors, "error"),
                plural(d.lint_warnings, "warning")
            )?;
        }
        let checks: Vec<&str> = self.lint_warning_checks.iter().copied().collect();
        writeln!(
            f,
            "  lint       {}, {}{}",
            plural(self.lint_errors, "error"),
            plural(self.lint_warnings, "warning"),
            if checks.is_empty() {
                String::new()
            } else {
                format!(
                    " ({}: the specs' defaults; build yours with --var)",
                    checks.join(", ")
                )
            }
        )?;
        writeln!(f)?;
        writeln!(f, "Next:")?;
        writeln!(
            f,
            "  pbkit keyshare open '{d}/pack/All.zip' --password-file '{d}/pack/password'"
        )?;
        writeln!(f, "  pbkit profile inspect '{d}/profiles/exchange-smime-identities.mobileconfig' --anchor '{d}/pki/trust/anchor.pem'")?;
        writeln!(f, "  pbkit profile build profiles/purebred-exchange.toml --var host=YOUR-HOST --out exchange.mobileconfig")?;
        writeln!(f, "  pbkit ddm lint '{d}/ddm/exchange-smime-identities'")?;
        writeln!(
            f,
            "  docs/jamf-admins.md (profiles to Jamf Pro), docs/app-developers.md (key sharing)"
        )
    }
}
