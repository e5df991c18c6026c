use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pbkit_pki::{bundle, rfc3339, Facts};
use serde::Serialize;
use time::OffsetDateTime;

use crate::out::{errln, outln};

#[derive(Subcommand)]
pub enum CertCommand {
    /// Show the facts of every certificate in PEM, DER or PKCS#7 (.p7b/.p7c) files.
    #[command(
        after_help = "Examples:\n  pbkit cert show tests/fixtures/fpki/dod-id-ca-63.pem\n  pbkit cert show --json bundle.p7b | jq '.[].facts.serial'"
    )]
    Show(ShowArgs),
}

#[derive(Args)]
pub struct ShowArgs {
    /// Certificate files: PEM (one or many), DER, or PKCS#7 bundles.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print JSON: an array of {file, index, facts}; facts.problems names the parts that
    /// could not be decoded.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Shown<'a> {
    file: &'a str,
    index: usize,
    facts: Facts,
}

pub fn run(cmd: CertCommand) -> anyhow::Result<ExitCode> {
    let CertCommand::Show(args) = cmd;
    let mut shown = Vec::new();
    let names: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let mut failed = false;
    for (path, name) in args.files.iter().zip(&names) {
        // A bad file, or a certificate whose facts cannot be read, is reported; the
        // others are still shown.
        match bundle::read_file(path) {
            Ok(certs) => {
                for (index, cert) in certs.iter().enumerate() {
                    match cert.facts() {
                        Ok(facts) => shown.push(Shown {
                            file: name,
                            index,
                            facts,
                        }),
                        Err(e) => {
                            errln!("pbkit: {name} [{}]: {}", index + 1, e.undecodable());
                            failed = true;
                        }
                    }
                }
            }
            Err(e) => {
                errln!("pbkit: {}", crate::out::describe(&e.into()));
                failed = true;
            }
        }
    }
    if args.json {
        super::print_json(&shown)?;
    } else {
        let now = OffsetDateTime::now_utc();
        for (i, s) in shown.iter().enumerate() {
            if i > 0 {
                outln!();
            }
            print_facts(s, now);
        }
    }
    Ok(super::exit(!failed))
}

fn print_facts(s: &Shown<'_>, now: OffsetDateTime) {
    let f = &s.facts;
    let row = |label: &str, value: &str| outln!("  {label:<15}{value}");
    let list = |label: &str, values: &[String]| {
        if !values.is_empty() {
            row(label, &values.join(", "));
        }
    };
    outln!("{} [{}]", s.file, s.index + 1);
    let name = |n: &str| {
        if n.is_empty() {
            "(empty)".to_string()
        } else {
            n.to_string()
        }
    };
    row("subject", &name(&f.subject));
    row("issuer", &name(&f.issuer));
    row("serial", &f.serial);
    let status = match f.validity(now) {
        pbkit_pki::Validity::Valid => String::new(),
        other => format!(" ({other})"),
    };
    row("not before", &rfc3339(f.not_before));
    row("not after", &format!("{}{status}", rfc3339(f.not_after)));
    row(
        "key",
        &f.key
            .as_ref()
            .map_or("(cannot be decoded)".to_string(), ToString::to_string),
    );
    row("signature", &f.signature_algorithm);
    row(
        "key usage",
        &f.key_usage
            .map_or("(no extension)".to_string(), |k| k.to_string()),
    );
    let ekus: Vec<String> = f
        .extended_key_usage
        .iter()
        .map(|e| e.name().to_string())
        .collect();
    list("ext key usage", &ekus);
    list("SAN email", &f.san.email);
    list("SAN UPN", &f.san.upn);
    list("SAN URI", &f.san.uri);
    list("SAN DNS", &f.san.dns);
    let ips: Vec<String> = f.san.ip.iter().map(ToString::to_string).collect();
    list("SAN IP", &ips);
    if f.is_ca {
        row(
            "CA",
            if f.self_signed {
                "yes, self-signed"
            } else {
                "yes"
            },
        );
    }
    list("CRL", &f.crl_urls);
    list("OCSP", &f.ocsp_urls);
    if let Some(ski) = &f.subject_key_id {
        row("subject key id", ski);
    }
    if let Some(aki) = &f.authority_key_id {
        row("auth key id", aki);
    }
    row("SHA-256", &f.sha256);
    for p in &f.problems {
        row("problem", p);
    }
}
