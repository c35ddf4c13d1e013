//! Parsing the roots into a [`RootCertStore`] once, counting what rustls refused.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

pub struct Parsed {
    pub store: RootCertStore,
    /// Certificates (or PEM sections) rustls did not accept, left out.
    pub skipped: usize,
}

/// From a PEM bundle.
pub fn from_pem(bundle: &[u8]) -> Parsed {
    let mut store = RootCertStore::empty();
    let mut skipped = 0;
    for cert in CertificateDer::pem_slice_iter(bundle) {
        if !cert.is_ok_and(|der| store.add(der).is_ok()) {
            skipped += 1;
        }
    }
    Parsed { store, skipped }
}

/// From DER certificates (the platform loader's).
pub fn from_ders(ders: Vec<CertificateDer<'static>>) -> Parsed {
    let mut store = RootCertStore::empty();
    let total = ders.len();
    let (added, _) = store.add_parsable_certificates(ders);
    Parsed {
        skipped: total - added,
        store,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &[u8] = include_bytes!("testdata/isrg-root-x2.pem");
    /// A well-formed PEM section whose content is not a certificate.
    const NOT_A_CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_bundle_is_parsed_comments_and_all() {
        let bundle = [ROOT, b"# a comment between certificates\n", ROOT].concat();
        let parsed = from_pem(&bundle);
        assert_eq!((parsed.store.len(), parsed.skipped), (2, 0));
    }

    #[test]
    fn a_refused_certificate_is_left_out_and_counted() {
        let parsed = from_pem(&[ROOT, NOT_A_CERT].concat());
        assert_eq!((parsed.store.len(), parsed.skipped), (1, 1));
    }

    #[test]
    fn ders_are_filtered_the_same_way() {
        let good = CertificateDer::from_pem_slice(ROOT).unwrap();
        let parsed = from_ders(vec![good, CertificateDer::from(b"hello".to_vec())]);
        assert_eq!((parsed.store.len(), parsed.skipped), (1, 1));
    }

    #[test]
    fn no_certificate_is_an_empty_store() {
        let parsed = from_pem(b"not PEM at all");
        assert!(parsed.store.is_empty());
    }
}
