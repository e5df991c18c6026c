//! The ports the DISA MDM procedures require, and a TCP check of the ones testable here.

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use crate::Error;

/// An MDM product of the DISA procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Product {
    /// Ivanti Endpoint Manager Mobile.
    IvantiEpmm,
    /// MobileIron Core (EPMM's earlier name).
    MobileironCore,
    /// Jamf Pro.
    JamfPro,
}

impl FromStr for Product {
    type Err = Error;
    fn from_str(s: &str) -> Result<Product, Error> {
        match s {
            "ivanti-epmm" => Ok(Product::IvantiEpmm),
            "mobileiron-core" => Ok(Product::MobileironCore),
            "jamf-pro" => Ok(Product::JamfPro),
            _ => Err(Error::UnknownProduct(s.into())),
        }
    }
}

/// One line of the port table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortRule {
    /// Who connects.
    pub from: &'static str,
    /// To whom.
    pub to: &'static str,
    /// TCP port.
    pub port: u16,
    /// What for.
    pub purpose: &'static str,
    /// Whether a connection from the admin's side to the server tests it.
    pub testable: bool,
}

const fn rule(
    from: &'static str,
    to: &'static str,
    port: u16,
    purpose: &'static str,
    testable: bool,
) -> PortRule {
    PortRule {
        from,
        to,
        port,
        purpose,
        testable,
    }
}

/// The port table of the DISA procedures for `product`.
pub fn port_table(product: Product) -> Vec<PortRule> {
    let mut t = vec![
        rule("administrators", "MDM server", 22, "SSH", true),
        rule(
            "administrators",
            "MDM server",
            8443,
            "HTTPS-alt (admin portal)",
            true,
        ),
        rule("devices", "MDM server", 80, "HTTP (CRLs)", true),
        rule("devices", "MDM server", 443, "HTTPS", true),
    ];
    match product {
        Product::IvantiEpmm | Product::MobileironCore => {
            t.push(rule("devices", "MDM server", 7443, "MAS (HTTPS-alt)", true));
        }
        Product::JamfPro => {
            t.push(rule(
                "devices",
                "Apple Push Notification service",
                5223,
                "APNs (device to Apple)",
                false,
            ));
            t.push(rule(
                "MDM server",
                "Apple Push Notification service",
                2195,
                "APNs, legacy binary provider (the HTTP/2 provider API uses 443)",
                false,
            ));
        }
    }
    t
}

/// What a TCP connect found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortState {
    /// The connection was accepted.
    Open,
    /// The connection was refused.
    Closed,
    /// No answer within the timeout (filtered, or the host is down).
    Timeout,
    /// Not testable from the admin's side (traffic to Apple).
    NotTested,
}

/// One checked port.
#[derive(Debug, Clone, Serialize)]
pub struct PortResult {
    /// The rule.
    #[serde(flatten)]
    pub rule: PortRule,
    /// The port actually connected to (differs under `map`).
    pub connected_port: Option<u16>,
    /// The result.
    pub state: PortState,
    /// The error, when not open.
    pub detail: Option<String>,
}

/// Checks each testable port of `rules` on `host` with a TCP connect. `map` translates a
/// Every testable port of the table is open.
pub fn all_open(results: &[PortResult]) -> bool {
    results
        .iter()
        .all(|r| matches!(r.state, PortState::Open | PortState::NotTested))
}

/// table port to the port to connect to (for port forwarding, or tests).
pub fn check_ports(
    host: &str,
    rules: &[PortRule],
    timeout: Duration,
    map: &BTreeMap<u16, u16>,
) -> Vec<PortResult> {
    rules
        .iter()
        .map(|r| {
            if !r.testable {
                return PortResult {
                    rule: r.clone(),
                    connected_port: None,
                    state: PortState::NotTested,
                    detail: None,
                };
            }
            let port = map.get(&r.port).copied().unwrap_or(r.port);
            let (state, detail) = match (host, port).to_socket_addrs().map(|mut a| a.next()) {
                Ok(Some(addr)) => match TcpStream::connect_timeout(&addr, timeout) {
                    Ok(_) => (PortState::Open, None),
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        (PortState::Closed, Some(e.to_string()))
                    }
                    Err(e)
                        if e.kind() == std::io::ErrorKind::TimedOut
                            || e.kind() == std::io::ErrorKind::WouldBlock =>
                    {
                        (PortState::Timeout, Some(e.to_string()))
                    }
                    Err(e) => (PortState::Closed, Some(e.to_string())),
                },
                _ => (PortState::Closed, Some(format!("cannot resolve {host}"))),
            };
            PortResult {
                rule: r.clone(),
                connected_port: Some(port),
                state,
                detail,
            }
        })
        .collect()
}

/// The port checks as `pbkit preflight ports` prints them: a table whose columns are as
/// wide as their widest cell, then a PASS/FAIL line.
pub struct PortsReport<'a>(pub &'a [PortResult]);

impl std::fmt::Display for PortsReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let results = self.0;
        let width = |cell: &dyn Fn(&PortRule) -> usize, head: &str| {
            results
                .iter()
                .map(|r| cell(&r.rule))
                .max()
                .unwrap_or(0)
                .max(head.len())
        };
        let (wf, wt, wp) = (
            width(&|r| r.from.len(), "from"),
            width(&|r| r.to.len(), "to"),
            width(&|r| r.purpose.len(), "purpose"),
        );
        writeln!(
            f,
            "{:<wf$}  {:<wt$}  {:>5}  {:<wp$}  result",
            "from", "to", "port", "purpose"
        )?;
        for r in results {
            let state = match r.state {
                PortState::Open => "open",
                PortState::Closed => "CLOSED",
                PortState::Timeout => "NO ANSWER (filtered?)",
                PortState::NotTested => "not testable from here",
            };
            let via = match r.connected_port {
                Some(p) if p != r.rule.port => format!(" (via {p})"),
                _ => String::new(),
            };
            writeln!(
                f,
                "{:<wf$}  {:<wt$}  {:>5}  {:<wp$}  {state}{via}",
                r.rule.from, r.rule.to, r.rule.port, r.rule.purpose
            )?;
        }
        let count = |s: PortState| results.iter().filter(|r| r.state == s).count();
        let testable = results.len() - count(PortState::NotTested);
        writeln!(
            f,
            "{}: {} of {testable} testable {} open ({} closed, {} without answer), {} not testable from here",
            if all_open(results) { "PASS" } else { "FAIL" },
            count(PortState::Open),
            if testable == 1 { "port" } else { "ports" },
            count(PortState::Closed),
            count(PortState::Timeout),
            count(PortState::NotTested)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn tables_follow_the_disa_procedures() {
        let ivanti: Vec<u16> = port_table(Product::IvantiEpmm)
            .iter()
            .map(|r| r.port)
            .collect();
        assert_eq!(ivanti, [22, 8443, 80, 443, 7443]);
        let jamf = port_table(Product::JamfPro);
        assert!(jamf.iter().any(|r| r.port == 5223 && !r.testable));
        assert!(jamf.iter().any(|r| r.port == 2195 && !r.testable));
        assert_eq!(
            "mobileiron-core".parse::<Product>().unwrap(),
            Product::MobileironCore
        );
        assert!(matches!(
            "intune".parse::<Product>(),
            Err(Error::UnknownProduct(p)) if p == "intune"
        ));
    }

    #[test]
    fn open_and_closed_ports_on_loopback() {
        let open = TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_port = closed.local_addr().unwrap().port();
        drop(closed); // nothing listens there now
        let map = BTreeMap::from([(443, open.local_addr().unwrap().port()), (80, closed_port)]);
        let rules: Vec<PortRule> = port_table(Product::JamfPro)
            .into_iter()
            .filter(|r| [80, 443, 5223].contains(&r.port))
            .collect();
        let results = check_ports("127.0.0.1", &rules, Duration::from_secs(2), &map);
        let state = |p: u16| results.iter().find(|r| r.rule.port == p).unwrap().state;
        assert_eq!(state(443), PortState::Open);
        assert_eq!(state(80), PortState::Closed);
        assert_eq!(state(5223), PortState::NotTested);
    }
}
