//! A component's pinned digest: `"sha256": "<64 hex digits>"` in a wasm
//! provider. The host hashes the bytes it is about to compile and refuses
//! them when they differ, so a component swapped after the experiment was
//! reviewed never runs.

use std::fmt;
use std::str::FromStr;

/// A SHA-256 digest, kept as 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sha256Digest(String);

/// Why a `sha256` value is not a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a SHA-256 digest (64 hexadecimal digits; `chaos discover` prints it)")]
pub struct DigestError(pub String);

impl Sha256Digest {
    /// The digest as 64 lower-case hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Sha256Digest {
    type Err = DigestError;

    /// Reads 64 hex digits, either case (an optional `sha256:` prefix is
    /// accepted, as container tooling writes it).
    fn from_str(s: &str) -> Result<Self, DigestError> {
        let hex = s.strip_prefix("sha256:").unwrap_or(s);
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(hex.to_ascii_lowercase()))
        } else {
            Err(DigestError(s.chars().take(80).collect()))
        }
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn sixty_four_hex_digits_are_a_digest_kept_lower_case() {
        let digest: Sha256Digest = HEX.to_ascii_uppercase().parse().unwrap();
        assert_eq!(digest.as_str(), HEX);
    }

    #[test]
    fn a_sha256_prefix_is_accepted() {
        assert_eq!(format!("sha256:{HEX}").parse::<Sha256Digest>().unwrap().as_str(), HEX);
    }

    #[test]
    fn a_short_or_non_hex_value_is_not_a_digest() {
        assert!(HEX[..63].parse::<Sha256Digest>().is_err());
        assert!(format!("{HEX}0").parse::<Sha256Digest>().is_err());
        assert!(HEX.replace('a', "g").parse::<Sha256Digest>().is_err());
        assert!("".parse::<Sha256Digest>().is_err());
    }
}
