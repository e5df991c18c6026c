//! What the user types: every command's flags and `--help` text, as clap derives (the
//! model is ripgrep's `flags/defs.rs`). No code runs here but clap's value parsers;
//! `crate::cmd` turns these into library calls.

use clap::{Parser, Subcommand};

pub mod cert;
pub mod chain;
pub mod completions;
pub mod ddm;
pub mod demo;
pub mod fixtures;
pub mod jamf;
pub mod keyshare;
pub mod p12;
pub mod preflight;
pub mod profile;
pub mod rollout;
pub mod token;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  an input could not be processed (bad file, wrong password, failed check)
  2  usage error (unknown flag, bad value)
  3  profile verify: the signature is valid, the chain is not trusted (Unverified)
  4  profile verify: the profile is not signed (Unsigned)";

/// Toolkit for DoD Purebred derived credentials on iOS.
#[derive(Parser)]
#[command(name = "pbkit", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Key-derivation iterations one PKCS#12 may declare (MAC, safes and keys together);
    /// a command reading several (a pack, a profile) may spend 4 times this in all. A
    /// guard against hostile files: a file pbkit writes declares 6,144, the Purebred-era
    /// fixtures 4,097.
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = pbkit_pkcs12::DEFAULT_FILE_LIMIT,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub max_kdf_iterations: u64,
}

#[derive(Subcommand)]
pub enum Command {
    /// Certificate paths to an anchor through cross-certificates; server PKCS#12 with its path.
    #[command(subcommand)]
    Chain(chain::ChainCommand),
    /// MDM server preflight: the server as an iPhone judges it, revocation, outgoing TLS, ports.
    #[command(subcommand)]
    Preflight(preflight::PreflightCommand),
    /// One signed S/MIME profile per user of a CSV roster: parallel, streaming, resumable.
    Rollout(rollout::RolloutArgs),
    /// Run the whole toolkit on built-in defaults: test PKI, key-sharing pack, signed profiles.
    Demo(demo::DemoArgs),
    /// Certificate facts: key usage, SAN email and UPN, serial, fingerprints.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// PKCS#12: inspect, repack to a named suite, create from key and certificate.
    #[command(subcommand)]
    P12(p12::P12Command),
    /// Purebred key sharing: packs, classification, UTIs, and opening packs as a consumer.
    #[command(subcommand)]
    Keyshare(keyshare::KeyshareCommand),
    /// Configuration profiles: build from specs, sign, verify, unsign, inspect.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Declarative Device Management: account declarations with S/MIME and identity assets.
    #[command(subcommand)]
    Ddm(ddm::DdmCommand),
    /// Jamf Pro: list, pull and push profiles, keeping their identity; push a rollout.
    #[command(subcommand)]
    Jamf(jamf::JamfCommand),
    /// Purebred's persistent-token (CryptoTokenKit) path: what a provider registers.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Generate a DoD-shaped test PKI with Purebred-like identities.
    Fixtures(fixtures::FixturesArgs),
    /// Print a shell completion script.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), or write one per subcommand with --all DIR.
    Man(completions::ManArgs),
}
