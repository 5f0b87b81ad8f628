//! A real PostgreSQL server for the tests, when one is given.
//!
//! `ORDERSCOPE_TEST_PG` is the URL of a database on a server the tests may
//! create databases on (`.ci/run` starts a private cluster and sets it).
//! Without it, the PostgreSQL half of a test is skipped and says so on the
//! terminal; with `CI=true` a missing server fails the test instead.
#![allow(dead_code)]

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

use orderscope::store::Location;

pub const ENV: &str = "ORDERSCOPE_TEST_PG";

/// The server's URL, or `None` (after saying why the test skips it).
pub fn server(test: &str) -> Option<String> {
    match std::env::var(ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{test}: CI=true but {ENV} is not set; the PostgreSQL tests never skip in CI (.ci/run starts a server)"
            )
        }
        _ => {
            // Straight to the terminal: libtest keeps a passing test's eprintln! to itself.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: {test} on PostgreSQL ({ENV} is not set; .ci/run starts a server and sets it)"
            );
            None
        }
    }
}

/// A fresh, empty database on the server, dropped again at the end.
pub struct Database {
    admin: String,
    pub name: String,
    pub url: String,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Database {
    pub fn create(server: &str) -> Database {
        let name = format!("orderscope_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let mut admin = postgres::Client::connect(server, postgres::NoTls).expect("the test server answers");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let mut url = url::Url::parse(server).unwrap();
        url.set_path(&format!("/{name}"));
        Database { admin: server.to_string(), name, url: url.to_string() }
    }

    pub fn location(&self) -> Location {
        Location::parse(&self.url)
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// Where a test's store lives: a SQLite file, or a fresh PostgreSQL database.
pub struct Backend {
    pub name: &'static str,
    pub location: Location,
    pub db: Option<Database>,
    _dir: tempfile::TempDir,
}

/// A store location on each backend there is: SQLite always, PostgreSQL
/// when the server is given.
pub fn backends(test: &str) -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let mut out =
        vec![Backend { name: "sqlite", location: Location::Sqlite(dir.path().join("store.db")), db: None, _dir: dir }];
    if let Some(server) = server(test) {
        let db = Database::create(&server);
        out.push(Backend {
            name: "postgres",
            location: db.location(),
            db: Some(db),
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    out
}
