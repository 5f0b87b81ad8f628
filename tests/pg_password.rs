//! A PostgreSQL password kept out of the URL, as libpq keeps it:
//! `PGPASSWORD`, `~/.pgpass`, `PGPASSFILE` and the `passfile` parameter,
//! against a real server that asks a role for its password
//! (`.ci/run` and the tests' own cluster, tests/common/pg.rs, add a
//! scram-sha-256 line for the role `orderscope_pw`).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use common::pg::{Database, server};
use common::*;

const ROLE: &str = "orderscope_pw";
const PASSWORD: &str = "pw-Kq7s3cret";

fn as_role(url: &str, home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.arg("--store").arg(url).args(args);
    cmd.env_remove("PGPASSWORD").env_remove("PGPASSFILE").env_remove("ORDERSCOPE_CONFIG").env("HOME", home);
    cmd.env("LANG", "en_US.UTF-8");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_password_from_pgpassword_pgpass_pgpassfile_or_passfile_never_in_the_url() {
    let server = server("a_password_from_pgpassword_pgpass_pgpassfile_or_passfile_never_in_the_url");
    let db = Database::create(&server);
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    // Roles are the cluster's: create it once, set its password each time.
    let _ = admin.batch_execute(&format!("CREATE ROLE {ROLE} LOGIN"));
    admin.batch_execute(&format!("ALTER ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")).unwrap();
    admin.batch_execute(&format!("ALTER DATABASE {} OWNER TO {ROLE}", db.name)).unwrap();
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_username(ROLE).unwrap();
    let _ = url.set_password(None);
    let (host, port) = (url.host_str().unwrap().to_string(), url.port().unwrap_or(5432));
    let url = url.to_string();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let seed = seed_file("before");
    let import = ["import", seed.to_str().unwrap()];

    let none = as_role(&url, home, &[], &import);
    if none.status.success() {
        // A server that trusts every local login cannot tell a password from none.
        // Only one given by ORDERSCOPE_TEST_PG outside CI may: the tests' own asks.
        let given = std::env::var(common::pg::ENV).is_ok_and(|v| !v.is_empty());
        assert!(
            given && std::env::var_os("CI").is_none(),
            "the test server does not ask {ROLE} for a password (see .ci/run, tests/common/pg.rs)"
        );
        eprintln!("not run: the server at {host}:{port} does not ask {ROLE} for a password");
        return;
    }
    assert!(stderr(&none).contains("password"), "{}", stderr(&none));

    let o = as_role(&url, home, &[("PGPASSWORD", PASSWORD)], &import);
    assert!(o.status.success(), "PGPASSWORD: {}", stderr(&o));

    let line = format!("# host:port:database:user:password\n{host}:{port}:{}:{ROLE}:{PASSWORD}\n", db.name);
    let pgpass = home.join(".pgpass");
    std::fs::write(&pgpass, &line).unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = as_role(&url, home, &[], &["orders"]);
    assert!(o.status.success(), "~/.pgpass: {}", stderr(&o));

    // Readable by others: passed over, as libpq does, and said why.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = as_role(&url, home, &[], &["orders"]);
    assert!(!o.status.success() && stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    std::fs::remove_file(&pgpass).unwrap();

    let elsewhere = home.join("pw");
    std::fs::write(&elsewhere, format!("*:*:*:{ROLE}:{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = as_role(&url, home, &[("PGPASSFILE", elsewhere.to_str().unwrap())], &["orders"]);
    assert!(o.status.success(), "PGPASSFILE: {}", stderr(&o));
    let with_param = format!("{url}?passfile={}", elsewhere.display());
    let o = as_role(&with_param, home, &[], &["orders"]);
    assert!(o.status.success(), "passfile=: {}", stderr(&o));

    // A wrong password: one clear line, and the password nowhere.
    let o = as_role(&url, home, &[("PGPASSWORD", "wrong-Zx9")], &["orders"]);
    assert!(!o.status.success());
    let text = stdout(&o) + &stderr(&o);
    assert!(!text.contains("wrong-Zx9") && !text.contains(PASSWORD), "{text}");
    // In a URL, every spelling of the password is masked.
    let o = as_role(&format!("{url}?pass%77ord={PASSWORD}x"), home, &[], &["orders"]);
    let text = stdout(&o) + &stderr(&o);
    assert!(!text.contains(PASSWORD), "{text}");
}
