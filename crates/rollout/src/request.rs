//! A rollout as a caller asks for it, and the job it becomes once a resume has taken the
//! interrupted run's settings for what the caller left unset.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pbkit_keyshare::Format;
use pbkit_pkcs12::{Password, PasswordSource};
use pbkit_profile::{Signer, Spec};

use crate::{Error, PasswordMode, Rollout, RunSettings};

/// The files and options a caller gives (flags, a script's settings). What it leaves
/// unset (`None`, empty) a resume takes from the run recorded in the output folder; a new
/// run needs at least the roster, the spec and the signer. Build it as
/// `Request { roster: …, ..Request::default() }`, so that a new field breaks no caller.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The roster (CSV).
    pub roster: Option<PathBuf>,
    /// The spec every profile is built from.
    pub spec: Option<PathBuf>,
    /// The signer's PKCS#12.
    pub signer: Option<PathBuf>,
    /// Chain certificate files: the signer's path through them is embedded.
    pub chain: Vec<PathBuf>,
    /// Where the signer's password is (`None`: the caller asks the user).
    pub signer_password: Option<PasswordSource>,
    /// Where the rows' PKCS#12 password is, for rows that name none.
    pub in_password: Option<PasswordSource>,
    /// Where each user's new password goes [default: embedded].
    pub password_mode: Option<PasswordMode>,
    /// Also write each user's key-sharing pack in this format.
    pub keyshare: Option<Format>,
    /// The roster column naming each user's device certificate, to encrypt to.
    pub encrypt_to: Option<String>,
    /// Values for the spec's variables, for every user.
    pub vars: BTreeMap<String, String>,
    /// Rows may name files outside the roster's folder and any variable.
    pub allow_outside: bool,
}

/// A [`Request`] with every setting decided: what [`Job::rollout`] sets up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Job {
    /// The roster.
    pub roster: PathBuf,
    /// The spec.
    pub spec: PathBuf,
    /// The signer's PKCS#12.
    pub signer: PathBuf,
    /// Chain certificate files.
    pub chain: Vec<PathBuf>,
    /// Where the signer's password is (`None`: ask the user).
    pub signer_password: Option<PasswordSource>,
    /// Where the rows' PKCS#12 password is.
    pub in_password: Option<PasswordSource>,
    /// Where new passwords go.
    pub password_mode: PasswordMode,
    /// The key-sharing pack format, if packs are written.
    pub keyshare: Option<Format>,
    /// The device certificate column, if profiles are encrypted.
    pub encrypt_to: Option<String>,
    /// Values for the spec's variables.
    pub vars: BTreeMap<String, String>,
    /// Rows may reach outside the roster's folder.
    pub allow_outside: bool,
}

impl Request {
    /// Decides every setting: what the request gives, else what `recorded` (the settings
    /// of the run being resumed, [`RunSettings::read`]) holds, else the default. A given
    /// chain or variable list replaces the recorded one; none keeps it, so a resume
    /// embeds the same chain. `out` names the folder in the error when roster, spec or
    /// signer is neither given nor recorded.
    pub fn complete(self, recorded: Option<&RunSettings>, out: &Path) -> Result<Job, Error> {
        let file = |given: Option<PathBuf>, recorded: Option<&String>, what| {
            given
                .or_else(|| recorded.filter(|p| !p.is_empty()).map(PathBuf::from))
                .ok_or_else(|| Error::NotGiven {
                    out: out.display().to_string(),
                    what,
                })
        };
        let r = recorded;
        let keyshare = match (self.keyshare, r.and_then(|r| r.keyshare.as_deref())) {
            (Some(f), _) => Some(f),
            (None, Some(name)) => Some(name.parse()?),
            (None, None) => None,
        };
        Ok(Job {
            roster: file(self.roster, r.map(|r| &r.roster), "the roster")?,
            spec: file(self.spec, r.map(|r| &r.spec), "the spec")?,
            signer: file(self.signer, r.map(|r| &r.signer), "the signer")?,
            chain: match (self.chain.is_empty(), r) {
                (true, Some(r)) => r.chain.iter().map(PathBuf::from).collect(),
                _ => self.chain,
            },
            signer_password: self
                .signer_password
                .or_else(|| r.and_then(|r| r.signer_password.clone())),
            in_password: self
                .in_password
                .or_else(|| r.and_then(|r| r.in_password.clone())),
            password_mode: self
                .password_mode
                .or(r.map(|r| r.password_mode))
                .unwrap_or(PasswordMode::Embed),
            keyshare,
            encrypt_to: self
                .encrypt_to
                .or_else(|| r.and_then(|r| r.encrypt_to.clone())),
            vars: match (self.vars.is_empty(), r) {
                (true, Some(r)) => r.vars.clone(),
                _ => self.vars,
            },
            allow_outside: self.allow_outside || r.is_some_and(|r| r.allow_outside),
        })
    }
}

impl Job {
    /// Reads the spec and opens the signer (with `signer_password`), and sets up the
    /// rollout into `out` with these settings, recorded there for a resume. The caller
    /// adds what is not recorded: [`Rollout::resume`], [`Rollout::dry_run`],
    /// [`Rollout::at`], [`Rollout::allow_expired`], [`Rollout::in_password`].
    pub fn rollout(&self, out: &Path, signer_password: &Password) -> Result<Rollout, Error> {
        let spec = Spec::read(&self.spec).map_err(Error::Spec)?;
        let signer =
            Signer::load(&self.signer, signer_password, &self.chain).map_err(Error::Signer)?;
        let settings = RunSettings {
            password_mode: self.password_mode,
            keyshare: self.keyshare.map(|f| f.to_string()),
            encrypt_to: self.encrypt_to.clone(),
            vars: self.vars.clone(),
            allow_outside: self.allow_outside,
            signer_password: self.signer_password.clone().map(RunSettings::source),
            in_password: self.in_password.clone().map(RunSettings::source),
            ..RunSettings::new(&self.spec, &self.roster, &self.signer, &signer)?
                .chain_files(&self.chain)
        };
        Ok(Rollout::new(spec, &self.spec, signer, out)
            .password_mode(self.password_mode)
            .keyshare(self.keyshare)
            .settings(settings)
            .allow_outside(self.allow_outside)
            .encrypt_to(self.encrypt_to.clone())
            .vars(self.vars.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded() -> RunSettings {
        RunSettings {
            spec: "/r/spec.toml".into(),
            spec_sha256: String::new(),
            roster: "/r/roster.csv".into(),
            roster_sha256: String::new(),
            signer: "/r/signer.p12".into(),
            signer_sha256: String::new(),
            chain: vec!["/r/chain.pem".into()],
            chain_sha256: Vec::new(),
            signer_password: Some(PasswordSource::Env("PW".into())),
            in_password: None,
            allow_outside: true,
            password_mode: PasswordMode::File,
            keyshare: Some("2025".into()),
            encrypt_to: Some("device".into()),
            vars: BTreeMap::from([("host".into(), "mail.test.mil".into())]),
        }
    }

    #[test]
    fn a_resume_takes_every_recorded_setting_not_given() {
        let job = Request::default()
            .complete(Some(&recorded()), Path::new("out"))
            .unwrap();
        assert_eq!(job.roster, PathBuf::from("/r/roster.csv"));
        assert_eq!(job.spec, PathBuf::from("/r/spec.toml"));
        assert_eq!(job.signer, PathBuf::from("/r/signer.p12"));
        assert_eq!(job.chain, vec![PathBuf::from("/r/chain.pem")]);
        assert_eq!(job.signer_password, Some(PasswordSource::Env("PW".into())));
        assert_eq!(job.password_mode, PasswordMode::File);
        assert_eq!(job.keyshare, Some(Format::V2025));
        assert_eq!(job.encrypt_to.as_deref(), Some("device"));
        assert_eq!(job.vars["host"], "mail.test.mil");
        assert!(job.allow_outside);
    }

    #[test]
    fn what_is_given_wins_and_a_new_run_has_the_defaults() {
        let given = Request {
            chain: vec!["other.pem".into()],
            password_mode: Some(PasswordMode::Embed),
            ..Request::default()
        };
        let job = given.complete(Some(&recorded()), Path::new("out")).unwrap();
        assert_eq!(job.chain, vec![PathBuf::from("other.pem")]);
        assert_eq!(job.password_mode, PasswordMode::Embed);

        let new = Request {
            roster: Some("roster.csv".into()),
            spec: Some("spec.toml".into()),
            signer: Some("signer.p12".into()),
            ..Request::default()
        };
        let job = new.complete(None, Path::new("out")).unwrap();
        assert_eq!(job.password_mode, PasswordMode::Embed);
        assert!(job.chain.is_empty() && job.vars.is_empty() && job.keyshare.is_none());
    }

    #[test]
    fn what_is_neither_given_nor_recorded_is_named() {
        let e = Request::default()
            .complete(None, Path::new("out"))
            .unwrap_err();
        assert!(
            matches!(e, Error::NotGiven { what: "the roster", ref out } if out == "out"),
            "{e:?}"
        );
    }
}
