use std::process::ExitCode;

use pbkit_pki::{bundle, Facts};
use serde::Serialize;
use time::OffsetDateTime;

use crate::out::{errln, outln};

use crate::flags::cert::*;

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
            outln!("{} [{}]", s.file, s.index + 1);
            let report = pbkit_pki::FactsReport {
                facts: &s.facts,
                at: now,
            };
            crate::out::text(&report.to_string());
        }
    }
    Ok(super::exit(!failed))
}
