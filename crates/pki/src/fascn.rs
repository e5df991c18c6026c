//! The FASC-N (Federal Agency Smart Credential Number) of PIV credentials: 40 characters
//! of 5 bits (4-bit BCD, least significant bit first, then an odd parity bit) packed
//! into 25 bytes, as the TIG SCEPACS defines it and PIV authentication certificates carry
//! it in an otherName ([`OID`]) of their subjectAltName:
//! `SS agency(4) FS system(4) FS credential(6) FS series(1) FS issue(1) FS person(10)
//! category(1) organization(4) association(1) ES LRC`.
//!
//! ```
//! use pbkit_pki::fascn::FascN;
//! // The FASC-N of Purebred's CtkProvider sample PIV authentication certificate.
//! let bytes = pbkit_pki::hex::decode("D4F810DA0D80AC1CE721CD8360DA19141082227084F810A3F0").unwrap();
//! let f = FascN::from_bytes(&bytes).unwrap();
//! assert_eq!((f.agency_code.as_str(), f.person_identifier.as_str()), ("9700", "1381224291"));
//! assert_eq!(f.encode()?.to_vec(), bytes);
//! # Ok::<(), pbkit_pki::fascn::FascNError>(())
//! ```

/// The otherName type of a FASC-N in a subjectAltName (`id-piv-NACI`'s sibling,
/// `2.16.840.1.101.3.6.6`); its value is an OCTET STRING of the 25 bytes.
pub const OID: &str = "2.16.840.1.101.3.6.6";

const SS: u8 = 0xB;
const FS: u8 = 0xD;
const ES: u8 = 0xF;

/// The fields of a FASC-N, each a string of decimal digits of its fixed length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FascN {
    /// Agency code (4 digits).
    pub agency_code: String,
    /// System code (4).
    pub system_code: String,
    /// Credential number (6).
    pub credential_number: String,
    /// Credential series (1).
    pub credential_series: String,
    /// Individual credential issue (1).
    pub individual_credential_issue: String,
    /// Person identifier (10): for DoD, the EDIPI.
    pub person_identifier: String,
    /// Organizational category (1).
    pub organizational_category: String,
    /// Organizational identifier (4).
    pub organizational_identifier: String,
    /// Person/organization association category (1).
    pub association_category: String,
}

/// Why bytes are no FASC-N, or fields cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FascNError {
    /// Not 25 bytes.
    #[error("a FASC-N is 25 bytes, not {0}")]
    Length(usize),
    /// A character's parity bit is wrong.
    #[error("character {0} of the FASC-N fails its parity check")]
    Parity(usize),
    /// The longitudinal redundancy check does not match.
    #[error("the FASC-N's LRC does not match its characters")]
    Lrc,
    /// A sentinel or separator is missing, or a digit is not one.
    #[error("character {0} of the FASC-N is not what its layout puts there")]
    Layout(usize),
    /// A field is not its number of decimal digits.
    #[error("{field} must be {len} decimal digits, not {value:?}")]
    Field {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// What was given.
        value: String,
    },
}

impl FascN {
    fn fields(&self) -> [(&'static str, &str, usize); 9] {
        [
            ("agency code", &self.agency_code, 4),
            ("system code", &self.system_code, 4),
            ("credential number", &self.credential_number, 6),
            ("credential series", &self.credential_series, 1),
            (
                "individual credential issue",
                &self.individual_credential_issue,
                1,
            ),
            ("person identifier", &self.person_identifier, 10),
            ("organizational category", &self.organizational_category, 1),
            (
                "organizational identifier",
                &self.organizational_identifier,
                4,
            ),
            ("association category", &self.association_category, 1),
        ]
    }

    /// The 40 characters' values (sentinels and separators as 0xB, 0xD, 0xF), LRC last.
    fn characters(&self) -> Result<Vec<u8>, FascNError> {
        let mut chars = vec![SS];
        for (i, (field, value, len)) in self.fields().into_iter().enumerate() {
            if value.len() != len || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FascNError::Field {
                    field,
                    len,
                    value: value.to_string(),
                });
            }
            chars.extend(value.bytes().map(|b| b - b'0'));
            // A separator after each of the first five fields; the last four run together.
            if i < 5 {
                chars.push(FS);
            }
        }
        chars.push(ES);
        let lrc = chars.iter().fold(0, |acc, c| acc ^ c);
        chars.push(lrc);
        Ok(chars)
    }

    /// The 25 bytes; fails when a field is not its number of digits.
    pub fn encode(&self) -> Result<[u8; 25], FascNError> {
        let mut out = [0u8; 25];
        let mut n = 0;
        let mut push = |bit: u8, out: &mut [u8; 25]| {
            if bit == 1 {
                out[n / 8] |= 0x80 >> (n % 8);
            }
            n += 1;
        };
        for c in self.characters()? {
            let ones = c.count_ones();
            for k in 0..4 {
                push((c >> k) & 1, &mut out);
            }
            push(u8::from(ones % 2 == 0), &mut out);
        }
        Ok(out)
    }

    /// Reads 25 bytes, checking every parity bit, the layout and the LRC.
    pub fn from_bytes(bytes: &[u8]) -> Result<FascN, FascNError> {
        if bytes.len() != 25 {
            return Err(FascNError::Length(bytes.len()));
        }
        let bit = |n: usize| (bytes[n / 8] >> (7 - n % 8)) & 1;
        let mut chars = Vec::with_capacity(40);
        for i in 0..40 {
            let value: u8 = (0..4).map(|k| bit(i * 5 + k) << k).sum();
            let parity = bit(i * 5 + 4);
            if (value.count_ones() + u32::from(parity)) % 2 != 1 {
                return Err(FascNError::Parity(i));
            }
            chars.push(value);
        }
        if chars[..39].iter().fold(0, |acc, c| acc ^ c) != chars[39] {
            return Err(FascNError::Lrc);
        }
        // SS, then fields of 4 4 6 1 1 with separators, then 10 1 4 1 run together, ES.
        let mut pos = 0;
        let expect = |want: u8, pos: &mut usize| {
            let ok = chars[*pos] == want;
            *pos += 1;
            if ok {
                Ok(())
            } else {
                Err(FascNError::Layout(*pos - 1))
            }
        };
        expect(SS, &mut pos)?;
        let take = |len: usize, pos: &mut usize| -> Result<String, FascNError> {
            let digits = &chars[*pos..*pos + len];
            if let Some(i) = digits.iter().position(|d| *d > 9) {
                return Err(FascNError::Layout(*pos + i));
            }
            *pos += len;
            Ok(digits.iter().map(|d| char::from(b'0' + d)).collect())
        };
        let agency_code = take(4, &mut pos)?;
        expect(FS, &mut pos)?;
        let system_code = take(4, &mut pos)?;
        expect(FS, &mut pos)?;
        let credential_number = take(6, &mut pos)?;
        expect(FS, &mut pos)?;
        let credential_series = take(1, &mut pos)?;
        expect(FS, &mut pos)?;
        let individual_credential_issue = take(1, &mut pos)?;
        expect(FS, &mut pos)?;
        let person_identifier = take(10, &mut pos)?;
        let organizational_category = take(1, &mut pos)?;
        let organizational_identifier = take(4, &mut pos)?;
        let association_category = take(1, &mut pos)?;
        expect(ES, &mut pos)?;
        Ok(FascN {
            agency_code,
            system_code,
            credential_number,
            credential_series,
            individual_credential_issue,
            person_identifier,
            organizational_category,
            organizational_identifier,
            association_category,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The FASC-N of Purebred's CtkProvider sample (`authentication.p12`, public domain).
    const SAMPLE: &str = "D4F810DA0D80AC1CE721CD8360DA19141082227084F810A3F0";

    #[test]
    fn purebreds_sample_decodes_and_encodes_back_byte_for_byte() {
        let bytes = crate::hex::decode(SAMPLE).unwrap();
        let f = FascN::from_bytes(&bytes).unwrap();
        assert_eq!(
            f,
            FascN {
                agency_code: "9700".into(),
                system_code: "1618".into(),
                credential_number: "033303".into(),
                credential_series: "0".into(),
                individual_credential_issue: "0".into(),
                person_identifier: "1381224291".into(),
                organizational_category: "1".into(),
                organizational_identifier: "9700".into(),
                association_category: "2".into(),
            }
        );
        assert_eq!(f.encode().unwrap().to_vec(), bytes);
    }

    #[test]
    fn a_flipped_bit_or_a_bad_field_is_refused() {
        let mut bytes = crate::hex::decode(SAMPLE).unwrap();
        bytes[7] ^= 0x10;
        assert!(matches!(
            FascN::from_bytes(&bytes),
            Err(FascNError::Parity(_))
        ));
        assert_eq!(FascN::from_bytes(&[0; 24]), Err(FascNError::Length(24)));
        let mut f = FascN::from_bytes(&crate::hex::decode(SAMPLE).unwrap()).unwrap();
        f.person_identifier = "12345".into();
        assert!(matches!(
            f.encode(),
            Err(FascNError::Field {
                field: "person identifier",
                len: 10,
                ..
            })
        ));
    }
}
