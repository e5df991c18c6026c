//! Does a PKCS#8 private key belong to a certificate? Compared on the public key, parsed
//! with asn1-rs and x509-parser for RSA and EC; OpenSSL decides for other key types.

use asn1_rs::{Any, FromDer, Tag};
use x509_parser::prelude::X509Certificate;

use crate::ber;
use crate::Error;

const RSA: &str = "1.2.840.113549.1.1.1";
const EC: &str = "1.2.840.10045.2.1";

/// Whether `pkcs8` is the private key of the certificate `cert_der`.
pub(crate) fn matches(pkcs8: &[u8], cert_der: &[u8]) -> Result<bool, Error> {
    let (_, cert) = X509Certificate::from_der(cert_der)
        .map_err(|_| Error::Malformed("a certificate bag holds no valid certificate".into()))?;
    let spki = cert.public_key();
    let spki_alg = spki.algorithm.algorithm.to_id_string();
    let spki_bits: &[u8] = &spki.subject_public_key.data;

    let bad = || Error::Malformed("a key bag holds no valid PKCS#8 private key".into());
    let top = ber::only(pkcs8, "PrivateKeyInfo").map_err(|_| bad())?;
    let items = ber::sequence(&top, "PrivateKeyInfo").map_err(|_| bad())?;
    let alg = ber::sequence(items.get(1).ok_or_else(bad)?, "PrivateKeyInfo").map_err(|_| bad())?;
    let key_alg = ber::oid(alg.first().ok_or_else(bad)?, "PrivateKeyInfo").map_err(|_| bad())?;
    if key_alg != spki_alg {
        return Ok(false);
    }
    let private =
        ber::octets(items.get(2).ok_or_else(bad)?, "PrivateKeyInfo").map_err(|_| bad())?;
    let inner = ber::only(&private, "private key").map_err(|_| bad())?;
    let fields = ber::sequence(&inner, "private key").map_err(|_| bad())?;
    match key_alg.as_str() {
        RSA => {
            // RSAPrivateKey { version, modulus, publicExponent, … } vs RSAPublicKey { modulus, publicExponent }
            let public = ber::only(spki_bits, "RSAPublicKey").map_err(|_| bad())?;
            let pub_fields = ber::sequence(&public, "RSAPublicKey").map_err(|_| bad())?;
            let (Some(n), Some(e), Some(pn), Some(pe)) = (
                fields.get(1),
                fields.get(2),
                pub_fields.first(),
                pub_fields.get(1),
            ) else {
                return Err(bad());
            };
            Ok(n.data == pn.data && e.data == pe.data)
        }
        EC => {
            // ECPrivateKey { version, privateKey, [0] parameters, [1] publicKey BIT STRING }
            for f in &fields {
                if f.class() == asn1_rs::Class::ContextSpecific && f.tag() == Tag(1) {
                    let (_, bits) = Any::from_der(f.data).map_err(|_| bad())?;
                    // A BIT STRING's first octet counts unused bits (0 for a point).
                    return Ok(bits.data.get(1..) == Some(spki_bits));
                }
            }
            openssl_matches(pkcs8, cert_der)
        }
        _ => openssl_matches(pkcs8, cert_der),
    }
}

/// The slow, general answer.
fn openssl_matches(pkcs8: &[u8], cert_der: &[u8]) -> Result<bool, Error> {
    let key = openssl::pkey::PKey::private_key_from_pkcs8(pkcs8)
        .map_err(|_| Error::Malformed("a key bag holds no valid PKCS#8 private key".into()))?;
    let cert = openssl::x509::X509::from_der(cert_der)
        .map_err(|_| Error::Malformed("a certificate bag holds no valid certificate".into()))?;
    Ok(cert.public_key()?.public_eq(&key))
}
