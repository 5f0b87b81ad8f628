//! Where a PostgreSQL password comes from when the URL carries none, as
//! libpq looks for it: `PGPASSWORD`, then the password file named by the
//! URL's `passfile` parameter, else by `PGPASSFILE`, else `~/.pgpass`
//! (PostgreSQL docs, "The Password File" and "Environment Variables").
//! The Rust driver reads none of these, and a password kept out of the URL
//! is one that `ps`, shell history and logs never see.

use std::path::{Path, PathBuf};

/// The URL without its `passfile` parameter (the driver refuses parameters
/// it does not know), and that parameter's value.
pub fn take_passfile(url: &str) -> (String, Option<PathBuf>) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_string(), None) };
    let mut passfile = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if decode(k) == "passfile" {
                passfile = Some(PathBuf::from(decode(v)));
                false
            } else {
                true
            }
        })
        .collect();
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    (url, passfile)
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// What a connection is for, to pick its line of a password file.
pub struct Target<'a> {
    pub host: &'a str,
    pub port: u16,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// The password for `target` from the environment or a password file, if
/// any; `warn` hears why a file was passed over.
pub fn find(target: &Target<'_>, passfile: Option<&Path>, mut warn: impl FnMut(String)) -> Option<String> {
    if let Some(p) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
        return Some(p.to_string_lossy().into_owned());
    }
    let file = passfile
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("PGPASSFILE").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(&file).ok()?;
    // libpq ignores a password file others may read, and says so.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.permissions().mode() & 0o077 != 0
        {
            warn(format!("password file {} has group or world access and is ignored; chmod 600 it", file.display()));
            return None;
        }
    }
    lookup(&text, target)
}

/// The first line of a password file that matches: `host:port:db:user:password`,
/// `*` matching anything, `\:` and `\\` escaping.
pub fn lookup(text: &str, t: &Target<'_>) -> Option<String> {
    let port = t.port.to_string();
    text.lines().filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty()).find_map(|line| {
        let fields = split_fields(line);
        if fields.len() != 5 {
            return None;
        }
        let matches = |field: &str, value: &str| field == "*" || field == value;
        // A Unix socket counts as "localhost", as in libpq.
        let host = if t.host.starts_with('/') { "localhost" } else { t.host };
        (matches(&fields[0], host)
            && matches(&fields[1], &port)
            && matches(&fields[2], t.dbname)
            && matches(&fields[3], t.user))
        .then(|| fields[4].clone())
    })
}

fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().unwrap().push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passfile_is_taken_out_of_the_url() {
        let (url, file) = take_passfile("postgres://u@h/db?sslmode=disable&passfile=%2Fetc%2Fpw&application_name=x");
        assert_eq!(url, "postgres://u@h/db?sslmode=disable&application_name=x");
        assert_eq!(file, Some(PathBuf::from("/etc/pw")));
        assert_eq!(take_passfile("postgres://u@h/db?passfile=/p"), ("postgres://u@h/db".into(), Some("/p".into())));
        assert_eq!(take_passfile("postgres://u@h/db").1, None);
    }

    #[test]
    fn the_first_matching_line_wins_with_wildcards_and_escapes() {
        let text = "# comment\nother:5432:*:u:no\ndb.example:5432:shop:u:first\\:one\\\\\n*:*:*:u:any\n";
        let t = Target { host: "db.example", port: 5432, dbname: "shop", user: "u" };
        assert_eq!(lookup(text, &t).as_deref(), Some("first:one\\"));
        let t = Target { host: "elsewhere", port: 6000, dbname: "x", user: "u" };
        assert_eq!(lookup(text, &t).as_deref(), Some("any"));
        let t = Target { host: "elsewhere", port: 6000, dbname: "x", user: "v" };
        assert_eq!(lookup(text, &t), None);
        let t = Target { host: "/run/postgresql", port: 5432, dbname: "d", user: "w" };
        assert_eq!(lookup("localhost:5432:d:w:sock", &t).as_deref(), Some("sock"));
    }
}
