use crate::secret::{InPasswordArgs, SignerPasswordArgs};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, ValueEnum)]
pub enum PasswordModeArg {
    /// In the profile: the device installs without asking (the profile is a secret).
    Embed,
    /// In <username>.password beside the profile (0600): the device asks at install.
    File,
}

#[derive(Args)]
#[command(after_help = "\
Roster: a CSV with a header and the columns email, username, display_name, signing_p12,
encryption_p12 (paths relative to the roster), and optionally password_file or password_env
naming where that row's PKCS#12 password is (never the password itself). A row's files must
be under the roster's folder and its variables named PBKIT_*, unless --allow-outside.

Per user: both identities repacked to the spec's suite with a fresh password, the spec built
with the row's values ({{email}}, {{username}}, {{display_name}}, and Jamf's $EMAIL,
$USERNAME, $FULLNAME, $REALNAME filled in), signed, and written atomically as
DIR/<username>.mobileconfig (0600). Each profile's PayloadIdentifier is the spec's plus
.<username> (unless the spec's identifier holds {{username}}), and its UUIDs derive from
it, so no two users' profiles share an identifier on the MDM server. The spec needs PKCS#12
payloads named \"signing\" and \"encryption\" (profiles/exchange-smime-identities.toml is
such a template).

--encrypt-to COLUMN encrypts each profile's payloads to the device certificate that
roster column names (CMS, AES-256-CBC; see pbkit profile encrypt), before signing: the
identities and their passwords then travel readable only by that device.

A row whose signing or encryption identity is expired or not yet valid at --at (default
now) fails: Mail would not use it; --allow-expired takes it anyway. A bad row is reported
and skipped; the others complete. After a crash or kill, rerun with
--resume: finished users are kept, the rest are done, no half-written file remains. The
run's settings are recorded in DIR/rollout.json (roster, spec, signer and chain with their
SHA-256, where the passwords were read from, --password-mode, --keyshare, --encrypt-to,
--var, --allow-outside): `pbkit rollout --out DIR --resume` alone takes them all; a flag
given must match them, or the resume is refused (exit 2). --dry-run checks every row and writes nothing;
--report FILE.csv writes one row per user (line, username, status, file, bytes, reason).

Exit codes: 0 every row done (or already done), 1 some rows failed (see the report), 2 usage.

Example:
  pbkit rollout roster.csv --spec profiles/exchange-smime-identities.toml \\
      --out profiles-out \\
      --signer signer.p12 --signer-password-file signer.pw \\
      --in-password-file users.pw --jobs 2")]
pub struct RolloutArgs {
    /// The roster (CSV) [with --resume: the interrupted run's].
    #[arg(required_unless_present = "resume")]
    pub roster: Option<PathBuf>,
    /// The spec (TOML) every profile is built from [with --resume: the interrupted run's].
    #[arg(long, value_name = "SPEC.toml", required_unless_present = "resume")]
    pub spec: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// PKCS#12 of the profile-signing identity [with --resume: the interrupted run's].
    #[arg(long, value_name = "P12", required_unless_present = "resume")]
    pub signer: Option<PathBuf>,
    #[command(flatten)]
    pub signer_password: SignerPasswordArgs,
    /// Chain certificates: the signer's path through them is embedded; repeatable [with
    /// --resume: the interrupted run's].
    #[arg(long, value_name = "PEM")]
    pub chain: Vec<PathBuf>,
    /// Anchors devices trust: a warning when the embedded chain reaches none; repeatable.
    #[arg(long = "signer-anchor", value_name = "PEM")]
    pub signer_anchor: Vec<PathBuf>,
    #[command(flatten)]
    pub in_password: InPasswordArgs,
    /// Where each user's new PKCS#12 password goes [default: embed; with --resume, the
    /// interrupted run's].
    #[arg(long, value_enum)]
    pub password_mode: Option<PasswordModeArg>,
    /// Worker threads [default: two per core: a thread waiting for the disk leaves its core
    /// to another].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Finish an interrupted rollout: keep users already done, clean up, do the rest. The
    /// run's settings (DIR/rollout.json) are taken for flags not given; different ones are
    /// refused (exit 2).
    #[arg(long)]
    pub resume: bool,
    /// Check every row (files, passwords, addresses, identities, signing) and write nothing.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Also write a CSV with one row per user: line, username, status, file, bytes, reason.
    #[arg(long, value_name = "FILE.csv")]
    pub report: Option<PathBuf>,
    /// Also write DIR/<username>.keyshare/, the user's identities as a Purebred key-sharing
    /// pack of this format (same fresh password) [with --resume: the interrupted run's].
    #[arg(long, value_name = "2025|legacy", value_parser = crate::flags::keyshare::parse_format)]
    pub keyshare: Option<pbkit_keyshare::Format>,
    /// Take identities whose certificates are expired or not yet valid at --at (refused by
    /// default: Mail would not sign or decrypt with them).
    #[arg(long)]
    pub allow_expired: bool,
    /// Identities (and --encrypt-to devices) must be valid at this date or RFC 3339
    /// instant [default: now].
    #[arg(long, value_name = "DATE", value_parser = crate::args::instant)]
    pub at: Option<time::OffsetDateTime>,
    /// Let rows name files outside the roster's folder and any environment variable
    /// (otherwise only files under the roster's folder and variables named PBKIT_*).
    #[arg(long)]
    pub allow_outside: bool,
    /// Encrypt each user's profile to the device certificate this roster column names (a
    /// path, like the PKCS#12 columns) [with --resume: the interrupted run's].
    #[arg(long, value_name = "COLUMN")]
    pub encrypt_to: Option<String>,
    /// A value for a variable of the spec (`host=mail.example.mil`), for every user;
    /// repeatable [with --resume: the interrupted run's].
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = crate::args::parse_var)]
    pub vars: Vec<(String, String)>,
    /// Print JSON Lines: one object per user ({"status": ok|failed|skipped|would-write,
    /// "item": username, …}), then {"summary": {…counts by status}}.
    #[arg(long)]
    pub json: bool,
}
