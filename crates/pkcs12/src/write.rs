//! pbkit's own PKCS#12 writer for the legacy suites (`ios-legacy`, `purebred`), on the fast
//! KDF. The layout is OpenSSL's `PKCS12_create`: a certificate safe (RC2-40 encrypted, or
//! plain for `purebred`) then a key safe holding one 3DES-shrouded key bag, friendlyName
//! and localKeyId (SHA-1 of the certificate) on the key and leaf bags, and a SHA-1 MAC.
//! Every structure is encoded with asn1-rs.

use std::borrow::Cow;

use asn1_rs::{
    oid, Any, BmpString, Class, Header, Length, OctetString, Oid, Sequence, Set, Tag, ToDer,
};
use zeroize::Zeroizing;

use crate::kdf::{Purpose, Request, Secrets};
use crate::pbe::{pbes1, pbes1_requests, Direction, Pbes1Cipher};
use crate::{Error, Password, Suite, WriteOptions};

#[expect(
    clippy::expect_used,
    reason = "encoding a value built in memory has no failure but a bug"
)]
fn der<T: ToDer>(v: &T) -> Vec<u8> {
    v.to_der_vec()
        .expect("encoding an in-memory value cannot fail")
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    der(&Sequence::new(Cow::Owned(parts.concat())))
}

/// A DER SET OF: elements sorted by their encodings.
fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    der(&Set::new(Cow::Owned(parts.concat())))
}

/// `[0]`, constructed (EXPLICIT) or primitive (IMPLICIT OCTET STRING).
fn tagged0(inner: &[u8], constructed: bool) -> Vec<u8> {
    der(&Any::new(
        Header::new(
            Class::ContextSpecific,
            constructed,
            Tag(0),
            Length::Definite(0),
        ),
        inner,
    ))
}

fn octets(b: &[u8]) -> Vec<u8> {
    der(&OctetString::new(b))
}

fn int(n: u32) -> Vec<u8> {
    der(&n)
}

fn o(oid: Oid<'_>) -> Vec<u8> {
    der(&oid)
}

fn data_content_info(content: &[u8]) -> Vec<u8> {
    seq(&[
        &o(oid!(1.2.840 .113549 .1 .7 .1)),
        &tagged0(&octets(content), true),
    ])
}

/// PBES1 with the PKCS#12 KDF: the AlgorithmIdentifier and the ciphertext.
#[expect(clippy::expect_used, reason = "the cipher OIDs are constants")]
fn pbe_encrypt(
    cipher: Pbes1Cipher,
    secrets: &Secrets,
    salt: &[u8],
    iterations: u32,
    plain: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let ct = pbes1(cipher, secrets, salt, iterations, plain, Direction::Encrypt)?;
    let oid: Oid<'_> = cipher.oid().parse().expect("the cipher OIDs are valid");
    let alg = seq(&[&o(oid), &seq(&[&octets(salt), &int(iterations)])]);
    Ok((alg, ct.to_vec()))
}

/// HMAC-SHA-1, the MAC of the legacy suites.
#[expect(clippy::expect_used, reason = "HMAC takes keys of any length")]
pub(crate) fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn attributes(friendly_name: Option<&str>, local_key_id: &[u8]) -> Vec<u8> {
    let mut attrs = vec![seq(&[
        &o(oid!(1.2.840 .113549 .1 .9 .21)),
        &set_of(vec![octets(local_key_id)]),
    ])];
    if let Some(name) = friendly_name {
        attrs.push(seq(&[
            &o(oid!(1.2.840 .113549 .1 .9 .20)),
            &set_of(vec![der(&BmpString::new(name))]),
        ]));
    }
    set_of(attrs)
}

fn cert_bag(cert_der: &[u8], attrs: Option<&[u8]>) -> Vec<u8> {
    let value = seq(&[
        &o(oid!(1.2.840 .113549 .1 .9 .22 .1)),
        &tagged0(&octets(cert_der), true),
    ]);
    let mut parts: Vec<&[u8]> = Vec::new();
    let id = o(oid!(1.2.840 .113549 .1 .12 .10 .1 .3));
    let v = tagged0(&value, true);
    parts.push(&id);
    parts.push(&v);
    if let Some(a) = attrs {
        parts.push(a);
    }
    seq(&parts)
}

/// The parts of one identity as DER, as the legacy writer takes them. The caller has
/// checked that the key belongs to the certificate.
pub(crate) struct Parts<'a> {
    /// The PKCS#8 PrivateKeyInfo.
    pub pkcs8: &'a [u8],
    /// The leaf certificate.
    pub certificate: &'a [u8],
    /// Chain certificates, written after the leaf.
    pub chain: &'a [&'a [u8]],
}

/// Writes PKCS#12 files in a legacy suite (ios-legacy or purebred), one per identity, all
/// under one password: every salt is drawn first, so that every derivation of every file
/// (certificate safe, key bag, MAC) is known before any is needed and all run together in
/// the KDF's lanes (a user's two identities: 10 chains of SHA-1 in 3 rounds of 4 lanes,
/// not 4 rounds of 2 files apart).
pub(crate) fn write_legacy_many<const N: usize>(
    identities: [Parts<'_>; N],
    password: &Password,
    options: &WriteOptions,
) -> Result<[Vec<u8>; N], Error> {
    password.check_for_writing()?;
    let (suite, iterations) = (options.suite, options.iterations);
    let mut salts = [[[0u8; 8]; 3]; N];
    for salt in salts.iter_mut().flatten() {
        openssl::rand::rand_bytes(salt)?;
    }
    let mac_iterations = suite.mac_iterations(iterations);
    let mut requests = Vec::new();
    for [cert_salt, key_salt, mac_salt] in &salts {
        requests.push(mac_request(mac_salt, mac_iterations));
        requests.extend(pbes1_requests(
            Pbes1Cipher::TripleDes3Key,
            key_salt,
            iterations,
        ));
        if suite == Suite::IosLegacy {
            requests.extend(pbes1_requests(Pbes1Cipher::Rc2_40, cert_salt, iterations));
        }
    }
    let mut secrets = Secrets::new(password.as_str());
    secrets.prepare(&requests);
    all_ok(std::array::from_fn(|i| {
        write_prepared(&identities[i], &salts[i], &secrets, password, options)
    }))
}

/// Every result, or the first error.
pub(crate) fn all_ok<T: Default, const N: usize>(
    results: [Result<T, Error>; N],
) -> Result<[T; N], Error> {
    let mut first = None;
    let values = results.map(|r| match r {
        Ok(v) => v,
        Err(e) => {
            first.get_or_insert(e);
            T::default()
        }
    });
    first.map_or(Ok(values), Err)
}

fn mac_request(salt: &[u8], iterations: u32) -> Request<'_> {
    Request {
        purpose: Purpose::Mac,
        salt,
        iterations,
        len: 20,
    }
}

/// One legacy PKCS#12 with `salts` (certificate safe, key bag, MAC), whose derivations
/// `secrets` holds.
fn write_prepared(
    parts: &Parts<'_>,
    salts: &[[u8; 8]; 3],
    secrets: &Secrets,
    password: &Password,
    options: &WriteOptions,
) -> Result<Vec<u8>, Error> {
    let Parts {
        pkcs8,
        certificate: cert_der,
        chain,
    } = *parts;
    let (suite, iterations) = (options.suite, options.iterations);
    let friendly_name = options.friendly_name.as_deref();
    let [cert_salt, key_salt, mac_salt] = salts;
    let mac_iterations = suite.mac_iterations(iterations);
    let local_key_id = openssl::sha::sha1(cert_der);
    let attrs = attributes(friendly_name, &local_key_id);

    let mut bags = vec![cert_bag(cert_der, Some(&attrs))];
    bags.extend(chain.iter().map(|c| cert_bag(c, None)));
    let cert_safe = Zeroizing::new(seq(&bags.iter().map(Vec::as_slice).collect::<Vec<_>>()));
    let certs_ci = match suite {
        Suite::IosLegacy => {
            let (alg, ct) = pbe_encrypt(
                Pbes1Cipher::Rc2_40,
                secrets,
                cert_salt,
                iterations,
                &cert_safe,
            )?;
            let eci = seq(&[
                &o(oid!(1.2.840 .113549 .1 .7 .1)),
                &alg,
                &tagged0(&ct, false),
            ]);
            seq(&[
                &o(oid!(1.2.840 .113549 .1 .7 .6)),
                &tagged0(&seq(&[&int(0), &eci]), true),
            ])
        }
        Suite::Purebred => data_content_info(&cert_safe),
        Suite::Modern => unreachable!("the modern suite is written by OpenSSL"),
    };

    let (alg, ct) = pbe_encrypt(
        Pbes1Cipher::TripleDes3Key,
        secrets,
        key_salt,
        iterations,
        pkcs8,
    )?;
    let key_bag = seq(&[
        &o(oid!(1.2.840 .113549 .1 .12 .10 .1 .2)),
        &tagged0(&seq(&[&alg, &octets(&ct)]), true),
        &attrs,
    ]);
    let keys_ci = data_content_info(&seq(&[&key_bag]));

    let auth_safe = seq(&[&certs_ci, &keys_ci]);
    if options.pbmac1 {
        return pbmac1_pfx(&auth_safe, password, mac_salt, mac_iterations);
    }
    let mac = hmac_sha1(
        &secrets.sha1(mac_request(mac_salt, mac_iterations)),
        &auth_safe,
    );
    let digest_info = seq(&[
        &seq(&[&o(oid!(1.3.14 .3 .2 .26)), &der(&())]),
        &octets(&mac),
    ]);
    // iterations DEFAULT 1: omitted when 1, as DER requires.
    let iter = int(mac_iterations);
    let mut mac_data: Vec<&[u8]> = vec![&digest_info];
    let salt = octets(mac_salt);
    mac_data.push(&salt);
    if mac_iterations != 1 {
        mac_data.push(&iter);
    }
    Ok(seq(&[
        &int(3),
        &data_content_info(&auth_safe),
        &seq(&mac_data),
    ]))
}

/// The PFX around `auth_safe` with a PBMAC1 (RFC 9579): HMAC-SHA-256 with a 32-byte key
/// from PBKDF2-HMAC-SHA-256 over the UTF-8 password. MacData's own salt and iterations
/// are unused; as the RFC's examples do, the salt says so and the count is the default.
fn pbmac1_pfx(
    auth_safe: &[u8],
    password: &Password,
    salt: &[u8],
    iterations: u32,
) -> Result<Vec<u8>, Error> {
    let mut key = Zeroizing::new([0u8; 32]);
    openssl::pkcs5::pbkdf2_hmac(
        password.as_str().as_bytes(),
        salt,
        iterations as usize,
        openssl::hash::MessageDigest::sha256(),
        key.as_mut_slice(),
    )?;
    let hkey = openssl::pkey::PKey::hmac(key.as_slice())?;
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &hkey)?;
    signer.update(auth_safe)?;
    let mac = signer.sign_to_vec()?;
    let hmac_sha256 = seq(&[&o(oid!(1.2.840 .113549 .2 .9)), &der(&())]);
    let pbkdf2 = seq(&[
        &o(oid!(1.2.840 .113549 .1 .5 .12)),
        &seq(&[&octets(salt), &int(iterations), &int(32), &hmac_sha256]),
    ]);
    let pbmac1 = seq(&[
        &o(oid!(1.2.840 .113549 .1 .5 .14)),
        &seq(&[&pbkdf2, &hmac_sha256]),
    ]);
    let digest_info = seq(&[&pbmac1, &octets(&mac)]);
    let mac_data = seq(&[&digest_info, &octets(b"NOT USED")]);
    Ok(seq(&[&int(3), &data_content_info(auth_safe), &mac_data]))
}
