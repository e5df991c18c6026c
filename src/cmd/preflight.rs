use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use pbkit_pki::bundle;
use pbkit_pki::path::{build_path, PathOptions, Report};
use pbkit_preflight::outgoing::{probe_outgoing, OutgoingTarget};
use pbkit_preflight::revocation::{self, RevocationOptions};
use pbkit_preflight::StartTls;
use pbkit_preflight::{
    all_open, check_ports, port_table, probe_tls, PortsReport, Target, TlsOptions,
};

use crate::out::outln;

use crate::flags::preflight::*;

pub fn run(cmd: PreflightCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PreflightCommand::Tls(a) => tls(a),
        PreflightCommand::Ports(a) => ports(a),
        PreflightCommand::Revocation(a) => revocation(a),
        PreflightCommand::Outgoing(a) => outgoing(a),
    }
}

/// The largest targets file read.
fn outgoing(a: OutgoingArgs) -> anyhow::Result<ExitCode> {
    let PolicyArg::IvantiEpmm = a.policy;
    let default = a.starttls.map(|p| match p {
        StartTlsArg::Smtp => StartTls::Smtp,
        StartTlsArg::Ldap => StartTls::Ldap,
    });
    let mut targets = Vec::new();
    for t in &a.targets_given {
        targets.push(OutgoingTarget::parse(t, default).map_err(|e| crate::Usage(e.to_string()))?);
    }
    if let Some(file) = &a.targets {
        targets.extend(OutgoingTarget::read_file(file, default)?);
    }
    let report = probe_outgoing(
        &targets,
        Duration::from_secs(a.timeout),
        Duration::from_secs(a.deadline),
    );
    if a.json {
        super::print_json(&report)?;
    } else {
        crate::out::text(&report.to_string());
    }
    Ok(super::exit(report.passed()))
}

fn revocation(a: RevocationArgs) -> anyhow::Result<ExitCode> {
    let leaf = bundle::read_one(&a.cert)?;
    let anchors = bundle::read_files(&a.anchor)?;
    let (pool, _) = bundle::read_pool(&a.pool)?;
    let opts = PathOptions::new(crate::args::now());
    let outcome = build_path(&leaf, &pool, &anchors, &opts)?;
    let Some(path) = outcome.best else {
        let report = Report::new(&outcome, &opts, Vec::new())?;
        crate::out::text(&report.to_string());
        anyhow::bail!(
            "{}: no valid path to an anchor, so its revocation cannot be judged",
            a.cert.display()
        );
    };
    let ropts = RevocationOptions {
        timeout: Duration::from_secs(a.timeout),
        deadline: Duration::from_secs(a.deadline),
    };
    let r = revocation::check_path(&path.certificates, &path.anchor, &ropts);
    if a.json {
        super::print_json(&r)?;
    } else {
        crate::out::text(&r.to_string());
        outln!("{}", r.verdict());
    }
    Ok(super::exit(r.passed()))
}

fn tls(a: TlsArgs) -> anyhow::Result<ExitCode> {
    let mut target = Target::parse(&a.target)?;
    target.servername = a.servername.clone();
    let anchors = bundle::read_files(&a.anchor)?;
    let (pool, _) = bundle::read_pool(&a.pool)?;
    let opts = TlsOptions {
        timeout: Duration::from_secs(a.timeout),
        deadline: Duration::from_secs(a.deadline),
        anchors,
        pool,
        at: a.at.unwrap_or_else(crate::args::now),
        revocation: !a.no_revocation,
    };
    let r = probe_tls(&target, &opts);
    let passed = r.passed();
    if a.json {
        super::print_json(&r)?;
    } else {
        crate::out::text(&r.to_string());
    }
    Ok(super::exit(passed))
}

fn ports(a: PortsArgs) -> anyhow::Result<ExitCode> {
    let map: BTreeMap<u16, u16> = a.map.into_iter().collect();
    let results = check_ports(
        &a.host,
        &port_table(a.product),
        Duration::from_secs(a.timeout),
        &map,
    );
    let passed = all_open(&results);
    if a.json {
        super::print_json(&results)?;
    } else {
        crate::out::text(&PortsReport(&results).to_string());
    }
    Ok(super::exit(passed))
}
