//! Reading BER with asn1-rs: the few shapes PKCS#12 needs, with errors that say where.
//!
//! PKCS#12 files in the wild are BER, not DER: Java and Windows write indefinite lengths
//! and constructed (chunked) OCTET STRINGs. asn1-rs parses both; these helpers add the
//! PKCS#12 context to its errors.

use std::borrow::Cow;

use asn1_rs::{Any, Class, FromBer, Tag};

use crate::Error;

fn malformed(what: &str) -> impl FnOnce(asn1_rs::Err<asn1_rs::Error>) -> Error + '_ {
    move |e| Error::Malformed(format!("{what}: {e}"))
}

/// One BER element, and what follows it. An end-of-contents marker is not an element (it
/// only ends an indefinite length, where the parser consumes it); OpenSSL refuses one found
/// elsewhere, and so does pbkit.
pub(crate) fn element<'a>(input: &'a [u8], what: &str) -> Result<(&'a [u8], Any<'a>), Error> {
    let (rest, any) = Any::from_ber(input).map_err(malformed(what))?;
    if any.class() == Class::Universal && any.tag() == Tag::EndOfContent {
        return Err(Error::Malformed(format!(
            "{what}: unexpected end-of-contents"
        )));
    }
    Ok((rest, any))
}

/// One BER element that must fill `input` exactly.
pub(crate) fn only<'a>(input: &'a [u8], what: &str) -> Result<Any<'a>, Error> {
    let (rest, any) = element(input, what)?;
    if !rest.is_empty() {
        return Err(Error::Malformed(format!(
            "{what}: {} trailing bytes",
            rest.len()
        )));
    }
    Ok(any)
}

/// The elements of a SEQUENCE (or SET), checked to be one.
pub(crate) fn items<'a>(any: &Any<'a>, tag: Tag, what: &str) -> Result<Vec<Any<'a>>, Error> {
    if any.class() != Class::Universal || any.tag() != tag || !any.header.is_constructed() {
        return Err(Error::Malformed(format!(
            "{what}: expected {tag}, found {}",
            any.tag()
        )));
    }
    let mut out = Vec::new();
    let mut rest = any.data;
    while !rest.is_empty() {
        let (r, item) = element(rest, what)?;
        out.push(item);
        rest = r;
    }
    Ok(out)
}

/// The elements of a SEQUENCE.
pub(crate) fn sequence<'a>(any: &Any<'a>, what: &str) -> Result<Vec<Any<'a>>, Error> {
    items(any, Tag::Sequence, what)
}

/// Checks that `any` is the universal type `tag` (an APPLICATION or context-specific tag
/// with the same number is another type, as OpenSSL's decoder also holds).
fn universal(any: &Any<'_>, tag: Tag, name: &str, what: &str) -> Result<(), Error> {
    if any.class() != Class::Universal || any.tag() != tag {
        return Err(Error::Malformed(format!(
            "{what}: expected {name}, found {:?} {}",
            any.class(),
            any.tag()
        )));
    }
    Ok(())
}

/// An OBJECT IDENTIFIER, dotted.
pub(crate) fn oid(any: &Any<'_>, what: &str) -> Result<String, Error> {
    universal(any, Tag::Oid, "OBJECT IDENTIFIER", what)?;
    let oid = any
        .clone()
        .oid()
        .map_err(|e| Error::Malformed(format!("{what}: {e}")))?;
    Ok(oid.to_id_string())
}

/// A non-negative INTEGER that fits in a u32 (versions, iteration counts, key lengths).
pub(crate) fn uint(any: &Any<'_>, what: &str) -> Result<u32, Error> {
    universal(any, Tag::Integer, "INTEGER", what)?;
    any.clone()
        .u32()
        .map_err(|e| Error::Malformed(format!("{what}: {e}")))
}

/// The content of an OCTET STRING, primitive or constructed from chunks.
pub(crate) fn octets<'a>(any: &Any<'a>, what: &str) -> Result<Cow<'a, [u8]>, Error> {
    universal(any, Tag::OctetString, "OCTET STRING", what)?;
    octet_content(any, what)
}

/// The content of an OCTET STRING whatever its tag (an IMPLICIT one too): a primitive
/// one's bytes, or a constructed one's chunks (universal OCTET STRINGs) joined.
pub(crate) fn octet_content<'a>(any: &Any<'a>, what: &str) -> Result<Cow<'a, [u8]>, Error> {
    if !any.header.is_constructed() {
        return Ok(Cow::Borrowed(any.data));
    }
    let mut out = Vec::new();
    let mut rest = any.data;
    while !rest.is_empty() {
        let (r, chunk) = element(rest, what)?;
        out.extend_from_slice(&octets(&chunk, what)?);
        rest = r;
    }
    Ok(Cow::Owned(out))
}

/// The element inside a context-specific `[n] EXPLICIT` tag.
pub(crate) fn explicit<'a>(any: &Any<'a>, n: u32, what: &str) -> Result<Any<'a>, Error> {
    if any.class() != Class::ContextSpecific || any.tag() != Tag(n) {
        return Err(Error::Malformed(format!("{what}: expected [{n}]")));
    }
    only(any.data, what)
}

/// A BMPString (UTF-16BE), as PKCS#12 friendly names are written.
pub(crate) fn bmp_string(any: &Any<'_>, what: &str) -> Result<String, Error> {
    universal(any, Tag::BmpString, "BMPString", what)?;
    if !any.data.len().is_multiple_of(2) {
        return Err(Error::Malformed(format!("{what}: expected BMPString")));
    }
    let units: Vec<u16> = any
        .data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).map_err(|e| Error::Malformed(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructed_and_indefinite_octet_strings_are_joined() {
        // [24 80] constructed OCTET STRING, indefinite length: "ab" + "cd", then EOC.
        let ber = [
            0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x02, b'c', b'd', 0x00, 0x00,
        ];
        let any = only(&ber, "test").unwrap();
        assert_eq!(&*octets(&any, "test").unwrap(), b"abcd");
    }

    #[test]
    fn truncated_input_is_malformed_not_a_panic() {
        let e = element(&[0x30, 0x05, 0x02], "PFX").unwrap_err();
        assert!(
            matches!(e, Error::Malformed(ref m) if m.starts_with("PFX")),
            "{e:?}"
        );
    }
}
