//! `pbkit`: the command-line face of the pbkit crates. Parses flags, calls the libraries,
//! prints text or JSON. No domain logic lives here.

// The doc comments of clap structs are --help text, written for a terminal, not rustdoc.
#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls
)]

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod args;
mod cmd;
mod jsonl;
mod out;
mod progress;
mod secret;

/// Exit codes, documented in `--help` and README.md.
const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  an input could not be processed (bad file, wrong password, failed check)
  2  usage error (unknown flag, bad value)
  3  profile verify: the signature is valid, the chain is not trusted (Unverified)
  4  profile verify: the profile is not signed (Unsigned)";

/// A mistake in how pbkit was called that clap cannot see (an unknown `--var`, a missing
/// signer): exit 2, like clap's own usage errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Toolkit for DoD Purebred derived credentials on iOS.
/// The usage error (exit 2) `e` is, in words naming the flag, if it is one: a [`Usage`],
/// or a library error that only a flag's value can cause.
fn usage(e: &anyhow::Error) -> Option<String> {
    let var = |e: &pbkit_profile::Error| match e {
        pbkit_profile::Error::UnusedVariable { name, .. } => Some(format!("--var {name}: {e}")),
        _ => None,
    };
    for cause in e.chain() {
        if let Some(u) = cause.downcast_ref::<Usage>() {
            return Some(u.0.clone());
        }
        if let Some(e) = cause.downcast_ref::<pbkit_profile::Error>() {
            return var(e);
        }
        if let Some(e) = cause.downcast_ref::<pbkit_rollout::Error>() {
            use pbkit_rollout::Error as R;
            return match e {
                R::Vars(v) => var(v),
                R::ResumeDiffers { .. } | R::NothingToResume(_) | R::NotGiven { .. } => {
                    Some(e.to_string())
                }
                _ => None,
            };
        }
        if let Some(e) = cause.downcast_ref::<pbkit_jamf::Error>() {
            return match e {
                pbkit_jamf::Error::Url(_) | pbkit_jamf::Error::Insecure(_) => Some(e.to_string()),
                pbkit_jamf::Error::Rate(r) => {
                    Some(format!("--rate {r}: give 0 (no pacing) or at least 0.01"))
                }
                _ => None,
            };
        }
        if let Some(e) = cause.downcast_ref::<pbkit_token::Error>() {
            return match e {
                pbkit_token::Error::TeamPrefix(_) => Some(format!("--team-prefix: {e}")),
                pbkit_token::Error::BundleId(_) => Some(e.to_string()),
                _ => None,
            };
        }
        if let Some(e @ pbkit_ddm::Error::AssetUrl { .. }) =
            cause.downcast_ref::<pbkit_ddm::Error>()
        {
            return Some(format!("--asset-base-url: {e}"));
        }
    }
    None
}

#[derive(Parser)]
#[command(name = "pbkit", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    max_kdf_iterations: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Certificate paths to an anchor through cross-certificates; server PKCS#12 with its path.
    #[command(subcommand)]
    Chain(cmd::chain::ChainCommand),
    /// MDM server preflight: the server as an iPhone judges it, revocation, outgoing TLS, ports.
    #[command(subcommand)]
    Preflight(cmd::preflight::PreflightCommand),
    /// One signed S/MIME profile per user of a CSV roster: parallel, streaming, resumable.
    Rollout(cmd::rollout::RolloutArgs),
    /// Run the whole toolkit on built-in defaults: test PKI, key-sharing pack, signed profiles.
    Demo(cmd::demo::DemoArgs),
    /// Certificate facts: key usage, SAN email and UPN, serial, fingerprints.
    #[command(subcommand)]
    Cert(cmd::cert::CertCommand),
    /// PKCS#12: inspect, repack to a named suite, create from key and certificate.
    #[command(subcommand)]
    P12(cmd::p12::P12Command),
    /// Purebred key sharing: packs, classification, UTIs, and opening packs as a consumer.
    #[command(subcommand)]
    Keyshare(cmd::keyshare::KeyshareCommand),
    /// Configuration profiles: build from specs, sign, verify, unsign, inspect.
    #[command(subcommand)]
    Profile(cmd::profile::ProfileCommand),
    /// Declarative Device Management: account declarations with S/MIME and identity assets.
    #[command(subcommand)]
    Ddm(cmd::ddm::DdmCommand),
    /// Jamf Pro: list, pull and push profiles, keeping their identity; push a rollout.
    #[command(subcommand)]
    Jamf(cmd::jamf::JamfCommand),
    /// Purebred's persistent-token (CryptoTokenKit) path: what a provider registers.
    #[command(subcommand)]
    Token(cmd::token::TokenCommand),
    /// Generate a DoD-shaped test PKI with Purebred-like identities.
    Fixtures(cmd::fixtures::FixturesArgs),
    /// Print a shell completion script.
    Completions(cmd::completions::CompletionsArgs),
    /// Print the man page (roff), or write one per subcommand with --all DIR.
    Man(cmd::completions::ManArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    out::claim_stdout_for_data(std::env::args_os());
    // A rollout reads the admin's own files, thousands of them: only the per-file limit.
    let total = match cli.command {
        Command::Rollout(_) => None,
        _ => Some(cli.max_kdf_iterations.saturating_mul(4)),
    };
    pbkit_pkcs12::set_kdf_limits(cli.max_kdf_iterations, total);
    let result = match cli.command {
        Command::Demo(a) => cmd::demo::run(a),
        Command::Chain(c) => cmd::chain::run(c),
        Command::Rollout(a) => cmd::rollout::run(a),
        Command::Preflight(c) => cmd::preflight::run(c),
        Command::Cert(c) => cmd::cert::run(c),
        Command::Fixtures(a) => cmd::fixtures::run(a),
        Command::P12(c) => cmd::p12::run(c),
        Command::Keyshare(c) => cmd::keyshare::run(c),
        Command::Profile(c) => cmd::profile::run(c),
        Command::Jamf(c) => cmd::jamf::run(c),
        Command::Ddm(c) => cmd::ddm::run(c),
        Command::Token(c) => cmd::token::run(c),
        Command::Completions(a) => cmd::completions::run(a, Cli::command()),
        Command::Man(a) => cmd::completions::man(a, Cli::command()),
    };
    match result {
        Ok(code) => code,
        // `pbkit … | head`: the reader has what it wanted.
        Err(e) if out::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if usage(&e).is_some() => {
            out::errln!("pbkit: {}", usage(&e).unwrap_or_default());
            ExitCode::from(EXIT_USAGE)
        }
        Err(e) => {
            out::errln!("pbkit: {}", out::describe(&e));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
