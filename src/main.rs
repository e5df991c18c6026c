//! `pbkit`: the command-line face of the pbkit crates. Parses flags, calls the libraries,
//! prints text or JSON. No domain logic lives here.

// The doc comments of clap structs are --help text, written for a terminal, not rustdoc.
#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls
)]

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use flags::{Cli, Command};

mod args;
mod cmd;
mod flags;
mod jsonl;
mod out;
mod progress;
mod secret;

/// Exit codes, documented in `--help` and README.md.
const EXIT_FAILURE: u8 = 1;
const EXIT_USAGE: u8 = 2;

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

fn main() -> ExitCode {
    // First, before any libcrypto call: OpenSSL initialised without its exit handler.
    // With the handler, OPENSSL_cleanup at exit could free what a worker thread's
    // thread-local destructor frees too ("double free", seen once in ~1,000 rollouts).
    openssl::init();
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
