//! DER certificates back to PEM, for the AWS SDK's trust store, which takes PEM only. Needed
//! only when the roots did not come from one clean bundle (see [`super::store`]): a bundle
//! whose every certificate parsed is handed over as read.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// `certs` (DER) as one PEM bundle: 64 base64 characters a line, as OpenSSL writes them.
pub fn encode<'a>(certs: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for der in certs {
        let text = STANDARD.encode(der);
        out.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        for line in text.as_bytes().chunks(64) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    const ROOT: &[u8] = include_bytes!("testdata/isrg-root-x2.pem");

    #[test]
    fn a_certificate_survives_the_round_trip() {
        let der = CertificateDer::from_pem_slice(ROOT).expect("the fixture is PEM");
        let pem = encode([der.as_ref(), der.as_ref()]);
        let back: Vec<_> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .expect("our PEM parses");
        assert_eq!(back, vec![der.clone(), der]);
        // Byte for byte what OpenSSL wrote (the fixture is one certificate, OpenSSL's layout).
        assert_eq!(
            encode([CertificateDer::from_pem_slice(ROOT).unwrap().as_ref()]),
            ROOT
        );
    }

    #[test]
    fn no_certificates_is_no_text() {
        assert!(encode(std::iter::empty()).is_empty());
    }
}
