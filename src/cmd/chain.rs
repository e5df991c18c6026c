use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use pbkit_pkcs12::Identity;
use pbkit_pki::bundle;
use pbkit_pki::path::{build_path, Outcome, PathOptions, PeerName, Policy, Purpose, Report};

use crate::out::outln;

use crate::flags::chain::*;

/// Runs the search and describes its outcome.
fn search(leaf: &PathBuf, s: &SearchArgs, purpose: Purpose) -> anyhow::Result<(Outcome, Report)> {
    let leaf_cert = bundle::read_file(leaf)?
        .into_iter()
        .next()
        .with_context(|| format!("{}: no certificate", leaf.display()))?;
    let (pool, skipped) = bundle::read_pool(&s.pool)?;
    let anchors = bundle::read_files(&s.anchor)?;
    let mut opts = PathOptions::new(s.at.unwrap_or_else(crate::args::now));
    opts.purpose = purpose;
    opts.allow_sha1 = s.allow_sha1;
    opts.peer_name = s.peer_name.as_deref().map(PeerName::parse);
    opts.policy = match s.profile {
        ProfileArg::Ios => Policy::Ios,
        ProfileArg::Webpki => Policy::WebPki,
    };
    for file in &s.crl {
        let crls = pbkit_pki::crl::Crl::read_file(file)?;
        opts.crls.extend(crls.into_iter().map(std::sync::Arc::new));
    }
    let outcome = build_path(&leaf_cert, &pool, &anchors, &opts)?;
    let skipped = skipped
        .into_iter()
        .map(|s| format!("skipped {s}"))
        .collect();
    let report = Report::new(&outcome, &opts, skipped)?;
    Ok((outcome, report))
}

pub fn run(cmd: ChainCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChainCommand::Build(a) => {
            let purpose = match a.purpose {
                PurposeArg::Sslserver => Purpose::SslServer,
                PurposeArg::Any => Purpose::Any,
            };
            let (outcome, report) = search(&a.leaf, &a.search, purpose)?;
            let skip = usize::from(a.chain_only);
            let format = match a.format {
                FormatArg::Pem => bundle::Format::Pem,
                FormatArg::Der => bundle::Format::Der,
                FormatArg::P7b => bundle::Format::P7b,
            };
            let mut written = 0;
            if let (Some(out), Some(best)) = (&a.out, &outcome.best) {
                let certs = &best.certificates[skip..];
                if format == bundle::Format::Der && certs.len() != 1 {
                    anyhow::bail!(
                        "{}: --format der holds one certificate, and the bundle has {}: use \
                         --format pem or p7b",
                        out.display(),
                        certs.len()
                    );
                }
                let bytes = bundle::encode(certs, format)?;
                pbkit_outfile::write(out, &bytes, pbkit_outfile::Perm::Public)?;
                written = certs.len();
            }
            if a.json {
                super::print_json(&report)?;
            } else {
                crate::out::text(&report.to_string());
                if let (Some(out), true) = (&a.out, report.valid) {
                    outln!(
                        "wrote {} ({}, {})",
                        out.display(),
                        crate::out::plural(written, "certificate"),
                        if a.chain_only {
                            "the intermediates only"
                        } else {
                            "leaf first"
                        }
                    );
                }
            }
            Ok(super::exit(report.valid))
        }
        ChainCommand::P12(a) => {
            let (outcome, report) = search(&a.leaf, &a.search, Purpose::SslServer)?;
            let Some(best) = outcome.best else {
                if a.write.json {
                    super::print_json(&serde_json::json!({ "path": report }))?;
                } else {
                    crate::out::text(&report.to_string());
                }
                return Ok(ExitCode::from(crate::EXIT_FAILURE));
            };
            let key_password = a.key_password.source().given()?;
            let key = pbkit_pkcs12::read_private_key(&a.key, key_password.as_ref())?;
            let mut certs = best.certificates.into_iter();
            let leaf = certs.next().context("a path without its leaf")?;
            let identity = Identity::new(key, leaf)
                .with_context(|| format!("{} and {}", a.key.display(), a.leaf.display()))?
                .with_chain(certs.collect());
            if !a.write.json {
                crate::out::text(&report.to_string());
            }
            let written = super::p12::write(&identity, &a.write)?;
            if a.write.json {
                super::print_json(&serde_json::json!({ "path": report, "written": written }))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
