//! Parsing the roots into a [`RootCertStore`] once, and keeping the PEM the AWS SDK is given.
//!
//! The SDK parses the PEM it is given again, and panics on a certificate it cannot parse
//! (`expect("cert parsable")` in aws-smithy-http-client): so it only ever gets certificates
//! rustls has already accepted here. With panic = "abort", that panic would end the sandbox.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

pub struct Parsed {
    pub store: RootCertStore,
    /// Every accepted certificate, PEM.
    pub pem: Vec<u8>,
    /// Certificates (or PEM sections) rustls did not accept, left out of both.
    pub skipped: usize,
}

/// From a PEM bundle. The common case (every certificate accepted) hands the SDK the bytes as
/// read, without encoding them again.
pub fn from_pem(bundle: Vec<u8>) -> Parsed {
    let mut store = RootCertStore::empty();
    let mut skipped = 0;
    for cert in CertificateDer::pem_slice_iter(&bundle) {
        if !cert.is_ok_and(|der| store.add(der).is_ok()) {
            skipped += 1;
        }
    }
    if skipped == 0 {
        return Parsed {
            store,
            pem: bundle,
            skipped,
        };
    }
    // Rare: a bundle with a section rustls refuses. Parse what is left again, to re-encode it.
    let ders: Vec<_> = CertificateDer::pem_slice_iter(&bundle)
        .filter_map(Result::ok)
        .collect();
    let mut parsed = from_ders(ders);
    parsed.skipped = skipped;
    parsed
}

/// From DER certificates (the platform loader's).
pub fn from_ders(ders: Vec<CertificateDer<'static>>) -> Parsed {
    let mut store = RootCertStore::empty();
    let accepted: Vec<&[u8]> = ders
        .iter()
        .filter(|der| store.add(CertificateDer::from(der.as_ref())).is_ok())
        .map(|der| der.as_ref())
        .collect();
    Parsed {
        skipped: ders.len() - accepted.len(),
        pem: super::pem::encode(accepted),
        store,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &[u8] = include_bytes!("testdata/isrg-root-x2.pem");
    /// A well-formed PEM section whose content is not a certificate.
    const NOT_A_CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";

    fn certs_in(pem: &[u8]) -> usize {
        CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .expect("only accepted certificates, all PEM")
            .len()
    }

    #[test]
    fn a_clean_bundle_is_kept_as_read() {
        let bundle = [ROOT, b"# a comment between certificates\n", ROOT].concat();
        let parsed = from_pem(bundle.clone());
        assert_eq!(parsed.store.len(), 2);
        assert_eq!(parsed.skipped, 0);
        assert_eq!(parsed.pem, bundle);
    }

    #[test]
    fn a_refused_certificate_is_left_out_of_the_sdks_pem() {
        let parsed = from_pem([ROOT, NOT_A_CERT].concat());
        assert_eq!(parsed.store.len(), 1);
        assert_eq!(parsed.skipped, 1);
        assert_eq!(certs_in(&parsed.pem), 1);
        assert!(!parsed.pem.windows(8).any(|w| w == b"aGVsbG8="));
    }

    #[test]
    fn ders_are_filtered_the_same_way() {
        let good = CertificateDer::from_pem_slice(ROOT).unwrap();
        let parsed = from_ders(vec![good, CertificateDer::from(b"hello".to_vec())]);
        assert_eq!((parsed.store.len(), parsed.skipped), (1, 1));
        assert_eq!(certs_in(&parsed.pem), 1);
    }

    #[test]
    fn no_certificate_is_an_empty_store() {
        let parsed = from_pem(b"not PEM at all".to_vec());
        assert!(parsed.store.is_empty());
        assert!(parsed.pem.is_empty() || certs_in(&parsed.pem) == 0);
    }
}
