//! What a run was started with, recorded in `OUT/rollout.json` so that a resume finishes
//! the same job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pbkit_pkcs12::PasswordSource;
use pbkit_profile::Signer;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::{Error, PasswordMode};

/// The file in the output folder that records a run's settings.
pub const RUN_FILE: &str = "rollout.json";

/// What a run was started with, recorded in `OUT/rollout.json`, so that `--resume`
/// finishes the same job: the same spec, roster, signer and embedded chain (named by path
/// and SHA-256), the same password mode, key-share format, encryption and variables. Where
/// the passwords were read from (a file or a variable's name, never a password) is
/// recorded too, so that a resume needs no flag but `--resume`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSettings {
    /// The spec (absolute path).
    pub spec: String,
    /// SHA-256 of the spec's bytes.
    pub spec_sha256: String,
    /// The roster (absolute path).
    pub roster: String,
    /// SHA-256 of the roster's bytes.
    pub roster_sha256: String,
    /// The signer's PKCS#12 (absolute path).
    #[serde(default)]
    pub signer: String,
    /// SHA-256 of the signer's certificate.
    pub signer_sha256: String,
    /// The files the chain was read from (absolute paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    /// SHA-256 of each certificate of the embedded chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain_sha256: Vec<String>,
    /// Where the signer's password was read from, if from a file or variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_password: Option<PasswordSource>,
    /// Where the roster's PKCS#12 password was read from, if from a file or variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_password: Option<PasswordSource>,
    /// Rows may name files outside the roster's folder and any variable.
    #[serde(default)]
    pub allow_outside: bool,
    /// Where new passwords go.
    pub password_mode: PasswordMode,
    /// The key-sharing pack format (`2025`, `legacy`), if packs are written.
    pub keyshare: Option<String>,
    /// The roster column naming each user's device certificate, if profiles are
    /// encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_to: Option<String>,
    /// Values for the spec's variables (`--var`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, String>,
}

impl RunSettings {
    /// The settings of a run of this spec over this roster, signed by `signer` (loaded
    /// from `signer_path`); the rest at their defaults (embedded passwords, no pack, no
    /// encryption, no variables, sources unrecorded), for the caller to set.
    pub fn new(
        spec: &Path,
        roster: &Path,
        signer_path: &Path,
        signer: &Signer,
    ) -> Result<RunSettings, Error> {
        let digest = |p: &Path| -> Result<String, Error> {
            // Regular files only: a device or FIFO would never end or not read twice.
            let mut file = pbkit_infile::open_regular(p).map_err(|e| Error::Roster {
                path: p.display().to_string(),
                detail: e.problem.to_string(),
            })?;
            let mut hash = sha2::Sha256::new();
            std::io::copy(&mut file, &mut hash).map_err(|source| Error::Io {
                path: p.display().to_string(),
                source,
            })?;
            Ok(pbkit_pki::hex::upper(&hash.finalize()))
        };
        Ok(RunSettings {
            spec: absolute(spec),
            spec_sha256: digest(spec)?,
            roster: absolute(roster),
            roster_sha256: digest(roster)?,
            signer: absolute(signer_path),
            signer_sha256: signer.certificate().sha256_hex(),
            chain: Vec::new(),
            chain_sha256: signer.chain().iter().map(|c| c.sha256_hex()).collect(),
            signer_password: None,
            in_password: None,
            allow_outside: false,
            password_mode: PasswordMode::Embed,
            keyshare: None,
            encrypt_to: None,
            vars: BTreeMap::new(),
        })
    }

    /// Records where the chain was read from (absolute paths, for a resume from anywhere).
    pub fn chain_files(mut self, files: &[PathBuf]) -> RunSettings {
        self.chain = files.iter().map(|f| absolute(f)).collect();
        self
    }

    /// Records a password's source; a file's path is made absolute.
    pub fn source(source: PasswordSource) -> PasswordSource {
        match source {
            PasswordSource::File(p) => PasswordSource::File(absolute(&p).into()),
            env => env,
        }
    }

    /// The settings recorded in `out`, if a run was started there.
    pub fn read(out: &Path) -> Result<Option<RunSettings>, Error> {
        let path = out.join(RUN_FILE);
        const LIMIT: pbkit_infile::Limit = pbkit_infile::Limit::new(1 << 20, "a run's settings");
        let bytes = match pbkit_infile::read_if_exists(&path, LIMIT) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source: std::io::Error::other(e.problem.to_string()),
                })
            }
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
            })
    }

    /// What differs from `recorded`, in words (empty: the same job). Files are compared
    /// by content: a spec or roster moved elsewhere is the same job.
    pub fn differences(&self, recorded: &RunSettings) -> Vec<String> {
        let mut out = Vec::new();
        let mut differ = |what: &str, then: String, now: String| {
            if then != now {
                out.push(format!("{what} was {then}, is {now}"));
            }
        };
        let file = |path: &str, sha256: &str| format!("{path} ({})", short(sha256));
        if recorded.spec_sha256 != self.spec_sha256 {
            differ(
                "the spec",
                file(&recorded.spec, &recorded.spec_sha256),
                file(&self.spec, &self.spec_sha256),
            );
        }
        if recorded.roster_sha256 != self.roster_sha256 {
            differ(
                "the roster",
                file(&recorded.roster, &recorded.roster_sha256),
                file(&self.roster, &self.roster_sha256),
            );
        }
        differ(
            "the signer",
            short(&recorded.signer_sha256),
            short(&self.signer_sha256),
        );
        let chain = |c: &[String]| match c {
            [] => "none".to_string(),
            c => c.iter().map(|s| short(s)).collect::<Vec<_>>().join(", "),
        };
        differ(
            "the embedded chain (--chain)",
            chain(&recorded.chain_sha256),
            chain(&self.chain_sha256),
        );
        differ(
            "--password-mode",
            format!("{:?}", recorded.password_mode).to_lowercase(),
            format!("{:?}", self.password_mode).to_lowercase(),
        );
        differ(
            "--keyshare",
            recorded.keyshare.clone().unwrap_or_else(|| "none".into()),
            self.keyshare.clone().unwrap_or_else(|| "none".into()),
        );
        differ(
            "--encrypt-to",
            recorded.encrypt_to.clone().unwrap_or_else(|| "none".into()),
            self.encrypt_to.clone().unwrap_or_else(|| "none".into()),
        );
        let vars = |v: &BTreeMap<String, String>| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        differ("--var", vars(&recorded.vars), vars(&self.vars));
        differ(
            "--allow-outside",
            recorded.allow_outside.to_string(),
            self.allow_outside.to_string(),
        );
        out
    }
}

/// `path` made absolute against the working folder (not resolved: a symlink stays one).
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The first 12 hex digits of a SHA-256: enough to tell files apart in a message.
fn short(sha256: &str) -> String {
    format!("sha256 {}", &sha256[..12.min(sha256.len())])
}
