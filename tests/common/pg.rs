//! A real PostgreSQL server for the tests, always: a PostgreSQL test that
//! cannot reach a server fails, it never counts as passed without running.
//!
//! `ORDERSCOPE_TEST_PG`, when set, is the URL of a database on a server the
//! tests may create databases on (`.ci/run` starts a private cluster and sets
//! it). Without it, each test binary starts one private cluster of its own
//! from the installed server binaries (`/usr/lib/postgresql/*/bin`, or
//! `initdb` on `PATH`), shared by every test in that binary, and gone when
//! the binary exits, however it exits. Without the binaries the test panics
//! and says how to install them: a skip would look like a pass.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use orderscope::store::Location;

pub const ENV: &str = "ORDERSCOPE_TEST_PG";

/// The role whose logins must give a password (tests/pg_password.rs), as
/// `.ci/run` sets it up; every other login is trusted.
const PASSWORD_ROLE_HBA: &str = "host all orderscope_pw 127.0.0.1/32 scram-sha-256";

/// The server's URL: `ORDERSCOPE_TEST_PG`, or this test binary's own cluster.
pub fn server(test: &str) -> String {
    match std::env::var(ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => CLUSTER.get_or_init(|| Cluster::start(test)).url.clone(),
    }
}

/// Started by the first test that asks, by `server`. A static is never
/// dropped: the watchdog's stdin stays open until the process ends.
static CLUSTER: OnceLock<Cluster> = OnceLock::new();

struct Cluster {
    url: String,
    /// Its stdin is the pipe whose end (at exit, crash or SIGKILL alike)
    /// tells the watchdog to stop the server and remove its directory.
    _watchdog: Child,
}

/// Waits for EOF on stdin (the test process is gone), then stops postgres
/// at once (SIGQUIT: immediate shutdown, the data is thrown away anyway) and
/// removes the cluster's directory. Prints postgres' pid first, so the test
/// can tell a server that died on startup from one still starting.
const WATCHDOG: &str = r#"dir=$1; shift
"$@" </dev/null >>"$dir/server.log" 2>&1 &
pid=$!
echo "$pid"
while read -r _; do :; done
kill -QUIT "$pid" 2>/dev/null
wait "$pid"
rm -rf "$dir""#;

impl Cluster {
    fn start(test: &str) -> Cluster {
        let Some(bin) = server_binaries() else {
            panic!(
                "{test}: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH): install it (apt-get install postgresql) or set {ENV}=postgres://USER@HOST:PORT/postgres"
            )
        };
        // The watchdog removes the directory, not a TempDir drop: a static
        // is never dropped, and a killed process drops nothing.
        let dir = tempfile::Builder::new().prefix("orderscope-test-pg-").tempdir().unwrap().keep();
        // initdb and postgres refuse to run as root: the cluster is the
        // postgres user's then, as in .ci/run.
        let root = unsafe { libc::geteuid() } == 0;
        if root {
            let ok = Command::new("chown").arg("postgres").arg(&dir).status().is_ok_and(|s| s.success());
            assert!(ok, "{test}: chown postgres {}", dir.display());
        }
        let data = dir.join("data");
        // UTF8 whatever the test's locale: the stores hold Chinese text.
        let o = as_pg(root, &bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"])
            .output()
            .expect("initdb runs");
        assert!(o.status.success(), "{test}: initdb failed: {}", String::from_utf8_lossy(&o.stderr));
        let hba = data.join("pg_hba.conf");
        let rest = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(&hba, format!("{PASSWORD_ROLE_HBA}\n{rest}")).unwrap();

        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut watchdog = as_pg(root, Path::new("sh"))
            .args(["-c", WATCHDOG, "sh"])
            .arg(&dir)
            .arg(bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string()])
            .arg("-k")
            .arg(&dir)
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C meant for the tests must not
            // kill the watchdog before it has cleaned up.
            .process_group(0)
            .spawn()
            .expect("sh runs");
        let mut line = String::new();
        BufReader::new(watchdog.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let pid: u32 = line.trim().parse().unwrap_or_else(|_| panic!("{test}: the watchdog said {line:?}"));

        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let deadline = Instant::now() + Duration::from_secs(30);
        while postgres::Client::connect(&url, postgres::NoTls).is_err() {
            let log = || std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            assert!(alive(pid), "{test}: the test's PostgreSQL server exited on startup:\n{}", log());
            assert!(
                Instant::now() < deadline,
                "{test}: the test's PostgreSQL server does not answer after 30 s:\n{}",
                log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Cluster { url, _watchdog: watchdog }
    }
}

/// The newest installed server's bin directory: the Debian layout first,
/// then wherever `initdb` is on PATH (postgres sits beside it).
fn server_binaries() -> Option<PathBuf> {
    let complete = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    let version = |d: &Path| -> Vec<u32> {
        let name = d.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap_or("");
        name.split('.').map(|p| p.parse().unwrap_or(0)).collect()
    };
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| complete(d))
        .max_by_key(|d| version(d));
    debian.or_else(|| std::env::split_paths(&std::env::var_os("PATH")?).find(|d| complete(d)))
}

/// The command, as the postgres user when the tests run as root (from `/`,
/// which that user can read, unlike root's working directory perhaps).
fn as_pg(root: bool, program: &Path) -> Command {
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program).current_dir("/");
        cmd
    } else {
        Command::new(program)
    }
}

/// Whether the process is still running (a zombie is not: it has exited
/// and waits for its parent, the watchdog, to notice).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| !rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
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

/// A store location on each backend: a SQLite file and a fresh PostgreSQL
/// database.
pub fn backends(test: &str) -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let mut out =
        vec![Backend { name: "sqlite", location: Location::Sqlite(dir.path().join("store.db")), db: None, _dir: dir }];
    let db = Database::create(&server(test));
    out.push(Backend { name: "postgres", location: db.location(), db: Some(db), _dir: tempfile::tempdir().unwrap() });
    out
}
