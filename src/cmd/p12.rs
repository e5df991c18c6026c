use std::process::ExitCode;

use anyhow::Context;
use pbkit_pkcs12::{inspect, Identity, Suite, WriteOptions};
use pbkit_pki::bundle;
use serde::Serialize;

use crate::out::outln;

use crate::flags::p12::*;

/// What was written, as `--json` prints it.
#[derive(Serialize)]
pub struct Written {
    out: String,
    bytes: usize,
    suite: Suite,
    iterations: u32,
    subject: String,
    serial: String,
    chain_certificates: usize,
}

pub fn run(cmd: P12Command) -> anyhow::Result<ExitCode> {
    match cmd {
        P12Command::Inspect(a) => run_inspect(a),
        P12Command::Repack(a) => {
            let password = a
                .in_password
                .source()
                .required("Password of the input PKCS#12: ")?;
            let der = read(&a.input)?;
            let identity = Identity::from_pkcs12(&der, &password)
                .with_context(|| a.input.display().to_string())?;
            write_with_chain(identity, &a.out)
        }
        P12Command::Create(a) => {
            let key_pw = a.key_password.source().given()?;
            let key = pbkit_pkcs12::read_private_key(&a.key, key_pw.as_ref())?;
            let cert = bundle::read_one(&a.cert)?;
            let identity = Identity::new(key, cert)
                .with_context(|| format!("{} and {}", a.key.display(), a.cert.display()))?;
            write_with_chain(identity, &a.out)
        }
    }
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    Ok(pbkit_infile::read(path, pbkit_pkcs12::FILE_LIMIT)?)
}

fn write_with_chain(identity: Identity, out: &OutArgs) -> anyhow::Result<ExitCode> {
    let identity = identity.with_more_chain(bundle::read_files(&out.chain)?);
    let written = write(&identity, &out.write)?;
    if out.write.json {
        super::print_json(&written)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `identity` as `out` asks; prints the text line unless `--json`, which the caller
/// prints (alone or within its own report).
pub fn write(identity: &Identity, out: &WriteArgs) -> anyhow::Result<Written> {
    let password = out
        .out_password
        .source()
        .new_password("Password for the new PKCS#12: ")?;
    let mut options = WriteOptions::new(out.suite)
        .iterations(out.iterations)
        .pbmac1(out.pbmac1);
    if let Some(name) = &out.friendly_name {
        options = options.friendly_name(name);
    }
    let der = identity.to_pkcs12(&password.password, &options)?;
    pbkit_outfile::write(&out.out, &der, pbkit_outfile::Perm::Secret)?;
    password.save()?;
    let facts = identity.certificate().facts()?;
    let written = Written {
        out: out.out.display().to_string(),
        bytes: der.len(),
        suite: out.suite,
        iterations: out.iterations,
        subject: facts.subject,
        serial: facts.serial,
        chain_certificates: identity.chain().len(),
    };
    if !out.json {
        outln!(
            "wrote {} ({} bytes, suite {}, {} iterations): {} serial {}{}",
            written.out,
            written.bytes,
            written.suite,
            written.iterations,
            written.subject,
            written.serial,
            match written.chain_certificates {
                0 => String::new(),
                n => format!(", {}", crate::out::plural(n, "chain certificate")),
            }
        );
    }
    Ok(written)
}

fn run_inspect(a: InspectArgs) -> anyhow::Result<ExitCode> {
    let password = a.password.source().given()?;
    let der = read(&a.file)?;
    let report = inspect(&der, password.as_ref()).with_context(|| a.file.display().to_string())?;
    if a.json {
        super::print_json(&report)?;
    } else {
        outln!("{}", a.file.display());
        crate::out::text(&report.to_string());
    }
    Ok(ExitCode::SUCCESS)
}
