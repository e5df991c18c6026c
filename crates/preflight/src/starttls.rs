//! Upgrading a plain connection to TLS: SMTP's STARTTLS (RFC 3207) and LDAP's StartTLS
//! extended operation (RFC 4511 4.14), as an MDM server's outgoing connections to mail
//! and directory servers do.

use std::io::{BufRead, Read, Write};

use asn1_rs::{
    Any, Class, Enumerated, FromBer, Header, Implicit, Integer, OctetString, Sequence, Tag,
    TaggedValue, ToDer,
};
use serde::Serialize;

/// The protocol spoken before the TLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StartTls {
    /// SMTP: EHLO, then STARTTLS (default port 25).
    Smtp,
    /// LDAP: the StartTLS extended operation (default port 389).
    Ldap,
}

/// LDAP's StartTLS extended operation (RFC 4511 4.14.1).
const LDAP_STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";
/// The most a server may say before TLS: a greeting and capabilities, not a download.
const PREAMBLE_LIMIT: usize = 64 << 10;

/// An I/O error of the exchange in words: a read that waited its whole timeout is the
/// server not speaking this protocol (a TLS server waits for a ClientHello).
fn io_error(protocol: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
            "{protocol}: no answer within the timeout: not an {protocol} server, or one that \
             expects TLS from the first byte"
        ),
        std::io::ErrorKind::UnexpectedEof => {
            format!("{protocol}: the server closed the connection")
        }
        _ => format!("{protocol}: {e}"),
    }
}

impl StartTls {
    /// Its name as targets write it (`smtp://`, `ldap://`).
    pub fn name(self) -> &'static str {
        match self {
            StartTls::Smtp => "smtp",
            StartTls::Ldap => "ldap",
        }
    }

    /// The port when a target gives none.
    pub fn default_port(self) -> u16 {
        match self {
            StartTls::Smtp => 25,
            StartTls::Ldap => 389,
        }
    }

    /// Runs the exchange that precedes the TLS handshake on `stream`.
    pub(crate) fn negotiate<S: Read + Write>(self, stream: &mut S) -> Result<(), String> {
        match self {
            StartTls::Smtp => smtp(stream),
            StartTls::Ldap => ldap(stream),
        }
    }
}

/// One SMTP reply: its lines, the last being `NNN text` (a space after the code).
fn smtp_reply<R: BufRead>(reader: &mut R) -> Result<(u16, Vec<String>), String> {
    let mut lines = Vec::new();
    let mut read = 0;
    loop {
        let mut line = String::new();
        let n = reader
            .by_ref()
            .take((PREAMBLE_LIMIT - read) as u64)
            .read_line(&mut line)
            .map_err(|e| io_error("SMTP", &e))?;
        read += n;
        if n == 0 || read >= PREAMBLE_LIMIT {
            return Err("SMTP: the server closed the connection or said too much".into());
        }
        let line = line.trim_end().to_string();
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("SMTP: not an SMTP reply: {:?}", truncate(&line)))?;
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line);
        if last {
            return Ok((code, lines));
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

fn smtp<S: Read + Write>(stream: &mut S) -> Result<(), String> {
    // Read one byte at a time through a small buffer: nothing after a reply may be eaten,
    // since the TLS handshake follows on the same stream.
    let mut reader = std::io::BufReader::with_capacity(1, &mut *stream);
    let (code, lines) = smtp_reply(&mut reader)?;
    if code != 220 {
        return Err(format!("SMTP: the greeting is {:?}", truncate(&lines[0])));
    }
    drop(reader);
    stream
        .write_all(b"EHLO pbkit.invalid\r\n")
        .map_err(|e| io_error("SMTP", &e))?;
    let mut reader = std::io::BufReader::with_capacity(1, &mut *stream);
    let (code, lines) = smtp_reply(&mut reader)?;
    if code != 250 {
        return Err(format!("SMTP: EHLO answered {:?}", truncate(&lines[0])));
    }
    if !lines.iter().any(|l| {
        l.get(4..)
            .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
    }) {
        return Err("SMTP: the server does not offer STARTTLS".into());
    }
    drop(reader);
    stream
        .write_all(b"STARTTLS\r\n")
        .map_err(|e| io_error("SMTP", &e))?;
    let mut reader = std::io::BufReader::with_capacity(1, &mut *stream);
    let (code, lines) = smtp_reply(&mut reader)?;
    if code != 220 {
        return Err(format!("SMTP: STARTTLS answered {:?}", truncate(&lines[0])));
    }
    Ok(())
}

/// The StartTLS ExtendedRequest, message 1: SEQUENCE { 1, [APPLICATION 23] { [0] oid } }.
fn ldap_request() -> Result<Vec<u8>, String> {
    let encode = |e: asn1_rs::SerializeError| format!("LDAP: {e}");
    let name =
        TaggedValue::<_, asn1_rs::Error, Implicit, { Class::CONTEXT_SPECIFIC }, 0>::implicit(
            OctetString::new(LDAP_STARTTLS_OID.as_bytes()),
        )
        .to_der_vec()
        .map_err(encode)?;
    let op = TaggedValue::<_, asn1_rs::Error, Implicit, { Class::APPLICATION }, 23>::implicit(
        Sequence::new(name.into()),
    )
    .to_der_vec()
    .map_err(encode)?;
    let mut body = Integer::from(1u32).to_der_vec().map_err(encode)?;
    body.extend(op);
    Sequence::new(body.into()).to_der_vec().map_err(encode)
}

/// Reads exactly one BER element (definite length) from `stream`.
fn read_element<R: Read>(stream: &mut R) -> Result<Vec<u8>, String> {
    let io = |e: std::io::Error| io_error("LDAP", &e);
    let mut head = [0u8; 2];
    stream.read_exact(&mut head).map_err(io)?;
    let mut bytes = head.to_vec();
    let len = if head[1] & 0x80 == 0 {
        usize::from(head[1])
    } else {
        let n = usize::from(head[1] & 0x7f);
        if n == 0 || n > 4 {
            return Err("LDAP: not an LDAP message".into());
        }
        let mut len = vec![0u8; n];
        stream.read_exact(&mut len).map_err(io)?;
        bytes.extend(&len);
        len.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b))
    };
    if len > PREAMBLE_LIMIT {
        return Err("LDAP: the answer is too large for an ExtendedResponse".into());
    }
    let start = bytes.len();
    bytes.resize(start + len, 0);
    stream.read_exact(&mut bytes[start..]).map_err(io)?;
    Ok(bytes)
}

fn ldap<S: Read + Write>(stream: &mut S) -> Result<(), String> {
    stream
        .write_all(&ldap_request()?)
        .map_err(|e| io_error("LDAP", &e))?;
    let answer = read_element(stream)?;
    let bad = || "LDAP: the answer is not an ExtendedResponse".to_string();
    let (_, message) = Sequence::from_ber(&answer).map_err(|_| bad())?;
    let (rest, _id) = Integer::from_ber(message.content.as_ref()).map_err(|_| bad())?;
    let (_, op) = Any::from_ber(rest).map_err(|_| bad())?;
    let header: &Header = &op.header;
    if header.class() != Class::Application || header.tag() != Tag(24) {
        return Err(bad());
    }
    let (rest, code) = Enumerated::from_ber(op.data).map_err(|_| bad())?;
    if code.0 != 0 {
        // matchedDN, then diagnosticMessage: the server's words, when it gives some.
        let words = OctetString::from_ber(rest)
            .and_then(|(rest, _)| OctetString::from_ber(rest))
            .map(|(_, d)| String::from_utf8_lossy(d.as_ref()).into_owned())
            .unwrap_or_default();
        return Err(format!(
            "LDAP: StartTLS refused, resultCode {}{}",
            code.0,
            if words.is_empty() {
                String::new()
            } else {
                format!(" ({words})")
            }
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4511's StartTLS request, byte for byte as OpenLDAP's ldapwhoami -ZZ sends it.
    #[test]
    fn the_ldap_starttls_request_is_rfc_4511s() {
        let mut expected = vec![0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16];
        expected.extend(LDAP_STARTTLS_OID.as_bytes());
        assert_eq!(ldap_request().unwrap(), expected);
    }

    #[test]
    fn smtp_replies_end_at_the_line_without_a_dash() {
        let mut r = std::io::Cursor::new(
            b"250-mail.example.mil\r\n250-SIZE 1000\r\n250 STARTTLS\r\nX".to_vec(),
        );
        let (code, lines) = smtp_reply(&mut r).unwrap();
        assert_eq!((code, lines.len()), (250, 3));
        let mut r = std::io::Cursor::new(b"HTTP/1.1 400 Bad\r\n".to_vec());
        assert!(smtp_reply(&mut r)
            .unwrap_err()
            .contains("not an SMTP reply"));
    }
}
