//! The TLS trust roots, read and parsed once per process and shared by every HTTPS client in
//! it: the Bot API's and AWS's (reqwest both, `aws::sdk_config` and `aws::SignedClient`). Each loaded the
//! system roots itself before, reading the bundle and every file of the certificate directory
//! each time, which was the largest part of a cold start we could cut.
//!
//! No roots is an error, never a warning: a client without them fails every HTTPS request later,
//! far from the cause.

mod source;
mod store;

use std::sync::{Arc, OnceLock};

pub use source::{Source, CERT_DIR, CERT_FILE};

/// The roots every HTTPS client trusts, parsed once.
pub struct TrustRoots {
    store: Arc<rustls::RootCertStore>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RootsError {
    #[error("reading the CA bundle {path} ({origin}) failed: {detail}")]
    Read {
        path: String,
        origin: &'static str,
        detail: String,
    },
    #[error(
        "no usable root certificate in {origin}{detail}; HTTPS cannot work without one \
         (set {CERT_FILE} to a PEM bundle)"
    )]
    Empty { origin: String, detail: String },
    #[error("TLS set-up failed: {0}")]
    Tls(String),
}

/// The process's roots, loaded on first use from where [`source::from_env`] says. A failure is
/// kept too: every client of a cold start reports the same one.
pub fn roots() -> Result<&'static TrustRoots, RootsError> {
    static ROOTS: OnceLock<Result<TrustRoots, RootsError>> = OnceLock::new();
    ROOTS
        .get_or_init(|| load(source::from_env()))
        .as_ref()
        .map_err(Clone::clone)
}

/// Reads and parses the roots from `source`.
pub fn load(source: Source) -> Result<TrustRoots, RootsError> {
    let (parsed, origin, problems) = match source {
        Source::Bundle { path, from_env } => {
            let origin = if from_env { CERT_FILE } else { "found" };
            let bundle = std::fs::read(&path).map_err(|e| RootsError::Read {
                path: path.display().to_string(),
                origin,
                detail: e.to_string(),
            })?;
            let where_ = format!("{} ({origin})", path.display());
            (store::from_pem(&bundle), where_, Vec::new())
        }
        Source::Platform => {
            let native = rustls_native_certs::load_native_certs();
            let problems = native.errors.iter().map(ToString::to_string).collect();
            let origin = "the platform's certificate store".to_owned();
            (store::from_ders(native.certs), origin, problems)
        }
    };
    if parsed.store.is_empty() {
        let detail = if problems.is_empty() {
            String::new()
        } else {
            format!(" ({})", problems.join("; "))
        };
        return Err(RootsError::Empty { origin, detail });
    }
    if parsed.skipped > 0 || !problems.is_empty() {
        tracing::warn!(
            roots = parsed.store.len(),
            skipped = parsed.skipped,
            problems = ?problems,
            from = %origin,
            "some root certificates could not be read; the others are used"
        );
    }
    Ok(TrustRoots {
        store: Arc::new(parsed.store),
    })
}

impl TrustRoots {
    /// How many roots.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// A rustls client configuration on ring trusting
    /// these roots; the parsed store is shared, not copied.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, RootsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| RootsError::Tls(e.to_string()))?
            .with_root_certificates(Arc::clone(&self.store))
            .with_no_client_auth())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const ROOT: &[u8] = include_bytes!("testdata/isrg-root-x2.pem");

    /// A file of this test's own under the temp directory, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, content: &[u8]) -> Self {
            let path =
                std::env::temp_dir().join(format!("lambdagram-tls-{}-{name}", std::process::id()));
            std::fs::write(&path, content).expect("write the temp file");
            Self(path)
        }

        fn bundle(&self) -> Source {
            Source::Bundle {
                path: self.0.clone(),
                from_env: true,
            }
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn a_bundle_is_read_and_parsed() {
        let file = TempFile::new("good.pem", &[ROOT, ROOT].concat());
        let roots = load(file.bundle()).expect("two roots");
        assert_eq!(roots.len(), 2);
        assert!(roots.client_config().is_ok());
    }

    #[test]
    fn a_missing_bundle_is_an_error_naming_it() {
        let err = load(Source::Bundle {
            path: "/nonexistent/lambdagram/ca.pem".into(),
            from_env: true,
        })
        .err()
        .expect("a missing bundle fails");
        assert!(matches!(err, RootsError::Read { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("/nonexistent/lambdagram/ca.pem"), "{text}");
        assert!(text.contains(CERT_FILE), "{text}");
    }

    #[test]
    fn a_bundle_without_a_usable_root_is_an_error_not_an_empty_store() {
        for (name, content) in [
            ("empty.pem", &b""[..]),
            (
                "junk.pem",
                &b"-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"[..],
            ),
        ] {
            let file = TempFile::new(name, content);
            let err = load(file.bundle()).err().expect("no roots fails");
            assert!(matches!(err, RootsError::Empty { .. }), "{name}: {err}");
            assert!(err.to_string().contains(CERT_FILE), "{err}");
        }
    }
}
