//! Where the trust roots are read from.
//!
//! One PEM bundle is one `read`; the certificate directory next to it is ~300 files (Debian's
//! /etc/ssl/certs) holding the same roots again (hashed links and copies of the bundle's
//! certificates), and opening them was most of what loading the roots cost at cold start. So a
//! bundle is read alone whenever there is one: the one `SSL_CERT_FILE` names, even when
//! `SSL_CERT_DIR` names a directory too (unlike OpenSSL, which reads both: a root that is only
//! in that directory is not trusted), else on Linux the distribution's. The platform's own loader
//! (directories, the macOS keychain, the Windows store) runs only when there is no bundle.

use std::ffi::OsString;
use std::path::PathBuf;

/// The variable naming a PEM bundle (OpenSSL's; the template sets it on Lambda).
pub const CERT_FILE: &str = "SSL_CERT_FILE";
/// The variable naming certificate directories (OpenSSL's).
pub const CERT_DIR: &str = "SSL_CERT_DIR";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One PEM bundle, read and parsed by us. `from_env`: named by `SSL_CERT_FILE` (else found
    /// at a well-known path).
    Bundle { path: PathBuf, from_env: bool },
    /// `rustls-native-certs`: `SSL_CERT_FILE` and `SSL_CERT_DIR` as OpenSSL reads them, or else
    /// the platform's store.
    Platform,
}

/// Chooses the source from the two variables' values (an empty value counts as unset) and, only
/// when neither is set, the bundle `probe_bundle` finds (on Linux, the first of the well-known
/// bundle paths that exists). A directory alone goes to the platform loader, which reads it.
pub fn choose(
    cert_file: Option<OsString>,
    cert_dir: Option<OsString>,
    probe_bundle: impl FnOnce() -> Option<PathBuf>,
) -> Source {
    let set = |v: Option<OsString>| v.filter(|v| !v.is_empty());
    match (set(cert_file), set(cert_dir)) {
        (Some(file), _) => Source::Bundle {
            path: file.into(),
            from_env: true,
        },
        (None, Some(_)) => Source::Platform,
        (None, None) => match probe_bundle() {
            Some(path) => Source::Bundle {
                path,
                from_env: false,
            },
            None => Source::Platform,
        },
    }
}

/// The source for this process: its environment, and on Linux the well-known bundle paths.
pub fn from_env() -> Source {
    choose(
        std::env::var_os(CERT_FILE),
        std::env::var_os(CERT_DIR),
        probe_bundle,
    )
}

/// The first existing well-known bundle path (openssl-probe's list, the one
/// `rustls-native-certs` reads). Linux only: elsewhere the platform's store may hold roots a
/// file does not (the macOS keychain), so the platform loader stays in charge.
fn probe_bundle() -> Option<PathBuf> {
    if cfg!(target_os = "linux") {
        openssl_probe::probe().cert_file
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> Option<PathBuf> {
        panic!("the well-known paths are probed only when neither variable is set")
    }

    #[test]
    fn a_named_bundle_is_read_alone_even_beside_a_named_directory() {
        let bundle = Source::Bundle {
            path: "/lambda/ca.pem".into(),
            from_env: true,
        };
        assert_eq!(choose(Some("/lambda/ca.pem".into()), None, never), bundle);
        assert_eq!(
            choose(Some("/lambda/ca.pem".into()), Some("/certs".into()), never),
            bundle
        );
    }

    #[test]
    fn a_named_directory_alone_goes_to_the_platform_loader() {
        assert_eq!(choose(None, Some("/certs".into()), never), Source::Platform);
        assert_eq!(
            choose(Some("".into()), Some("/certs".into()), never),
            Source::Platform
        );
    }

    #[test]
    fn with_nothing_named_a_found_bundle_wins_over_the_directories() {
        assert_eq!(
            choose(None, None, || Some(
                "/etc/ssl/certs/ca-certificates.crt".into()
            )),
            Source::Bundle {
                path: "/etc/ssl/certs/ca-certificates.crt".into(),
                from_env: false
            }
        );
        assert_eq!(choose(None, None, || None), Source::Platform);
    }

    #[test]
    fn an_empty_variable_is_unset() {
        assert_eq!(
            choose(Some("".into()), Some("".into()), || None),
            Source::Platform
        );
        assert_eq!(
            choose(Some("".into()), None, || Some("/b.pem".into())),
            Source::Bundle {
                path: "/b.pem".into(),
                from_env: false
            }
        );
    }
}
