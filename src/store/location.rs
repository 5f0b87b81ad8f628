//! Where a store lives: a SQLite file (the embedded default) or a
//! PostgreSQL database shared by several hosts, told apart by the value's
//! scheme. A PostgreSQL URL's password is never shown: every display of a
//! location masks it.

use std::path::{Path, PathBuf};

#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(PgUrl),
}

/// A `postgres://` or `postgresql://` URL, kept whole for the driver and
/// shown with its password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    url: String,
}

impl PgUrl {
    /// The URL as the driver needs it (with the password): never print this.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Display for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&mask_password(&self.url))
    }
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgUrl({self})")
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => write!(f, "{u}"),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            Location::Postgres(u) => write!(f, "Postgres({u})"),
        }
    }
}

/// Whether a store value names a PostgreSQL database rather than a file.
pub fn is_postgres_url(value: &str) -> bool {
    let lower = value.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

impl Location {
    /// A `postgres://` / `postgresql://` URL is a PostgreSQL database;
    /// anything else is a SQLite file's path, as it always was.
    pub fn from_path(path: &Path) -> Location {
        match path.to_str() {
            Some(s) if is_postgres_url(s) => Location::Postgres(PgUrl { url: s.trim().to_string() }),
            _ => Location::Sqlite(path.to_path_buf()),
        }
    }

    pub fn parse(value: &str) -> Location {
        Location::from_path(Path::new(value))
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; a
/// `password=` query parameter is masked too.
pub fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}:***{}", &userinfo[..colon], &authority[at..]),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.find('?') {
        Some(q) => {
            let (path, query) = tail.split_at(q + 1);
            // Keys compared as the driver reads them, percent-decoded:
            // `pass%77ord=` is a password too.
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| {
                    let key = pair.split_once('=').map_or(pair, |(k, _)| k);
                    let decoded: String =
                        url::form_urlencoded::parse(key.as_bytes()).map(|(k, _)| k.into_owned()).collect();
                    if decoded.trim().eq_ignore_ascii_case("password") {
                        format!("{key}=***")
                    } else {
                        pair.to_string()
                    }
                })
                .collect();
            format!("{path}{}", pairs.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{}://{authority}{tail}", &url[..scheme_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_postgres_and_everything_else_is_a_file() {
        assert!(matches!(Location::parse("postgres://u@h/db"), Location::Postgres(_)));
        assert!(matches!(Location::parse("PostgreSQL://u@h/db"), Location::Postgres(_)));
        assert!(matches!(Location::parse("/var/lib/orderscope/store.db"), Location::Sqlite(_)));
        assert!(matches!(Location::parse("postgres:/x.db"), Location::Sqlite(_)));
        assert!(matches!(Location::parse("mysql://u@h/db"), Location::Sqlite(_)));
    }

    #[test]
    fn a_password_is_never_shown() {
        let l = Location::parse("postgres://shop:s3cret@db.internal:5433/orderscope?sslmode=prefer");
        assert_eq!(l.to_string(), "postgres://shop:***@db.internal:5433/orderscope?sslmode=prefer");
        assert!(!format!("{l:?}").contains("s3cret"));
        assert_eq!(
            mask_password("postgresql://h/db?user=a&password=s3cret&sslmode=disable"),
            "postgresql://h/db?user=a&password=***&sslmode=disable"
        );
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
        // The driver decodes keys: so does the masking.
        assert_eq!(mask_password("postgres://u@h/db?pass%77ord=s3cret"), "postgres://u@h/db?pass%77ord=***");
        // An '@' inside the password does not leak its first part.
        assert_eq!(mask_password("postgres://u:a@b@h/db"), "postgres://u:***@h/db");
    }
}
