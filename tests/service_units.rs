//! The shipped systemd units run as written: each unit's ExecStart under
//! that unit's own syscall filter, read-only system, private /tmp, state
//! directory and unprivileged user (tests/sandbox/unit_sandbox.py applies
//! them as systemd does: the filter groups expanded by `systemd-analyze
//! syscall-filter`, enforced by libseccomp, any other call killing the
//! process). The receiver takes a signed push and stops cleanly; sync
//! stores the demo shop's orders over real HTTP.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const TOKEN: &str = "unit-token";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wx00000000000unit1";

/// What the sandbox needs: root for the mount namespace, libseccomp's
/// Python binding and systemd-analyze. `.ci/run` installs both packages; a
/// developer's machine without them is told what is missing, and CI fails.
fn sandbox_ready() -> bool {
    let missing: Vec<&str> = [
        (unsafe { libc::geteuid() } != 0, "root (for a mount namespace)"),
        (
            !Command::new("/usr/bin/python3").args(["-c", "import seccomp"]).output().is_ok_and(|o| o.status.success()),
            "python3-seccomp",
        ),
        (
            !Command::new("systemd-analyze").arg("--version").output().is_ok_and(|o| o.status.success()),
            "systemd-analyze (package systemd)",
        ),
    ]
    .into_iter()
    .filter_map(|(gone, what)| gone.then_some(what))
    .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("the unit sandbox needs {}", missing.join(", "));
    // `.ci/run` installs the packages, so in CI only a missing root may skip.
    let only_root = missing.len() == 1 && missing[0].starts_with("root");
    assert!(std::env::var_os("CI").is_none() || only_root, "{msg}");
    eprintln!("not run: {msg}");
    false
}

fn unit(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/systemd").join(name)
}

/// The unit's ExecStart inside its sandbox; `replace` swaps whole arguments.
fn start(unit_file: &Path, state: &Path, env_file: &Path, replace: &[&str]) -> Child {
    Command::new("/usr/bin/python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/unit_sandbox.py"))
        .arg(unit_file)
        .arg(env!("CARGO_BIN_EXE_orderscope"))
        .arg(state)
        .arg(env_file)
        .args(replace)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGTERM, then the exit status and everything the service printed.
fn stop(child: Child) -> (std::process::ExitStatus, String) {
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    (out.status, format!("{}{}", stdout(&out), stderr(&out)))
}

fn private_dir(dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let d = dir.join(name);
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    d
}

fn write_env(path: &Path, lines: &[String]) {
    // As the shipped env file: comments and blank lines between the keys.
    let text = format!("# written by the test\n\n{}\n", lines.join("\n# next\n"));
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_serve_unit_receives_a_push_under_its_own_sandbox_and_stops_cleanly() {
    if !sandbox_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = private_dir(dir.path(), "state");
    let env_file = dir.path().join("orderscope.env");
    write_env(
        &env_file,
        &[
            format!("ORDERSCOPE_APPID={APPID}"),
            format!("ORDERSCOPE_PUSH_TOKEN={TOKEN}"),
            format!("ORDERSCOPE_PUSH_AES_KEY={KEY}"),
        ],
    );
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child =
        start(&unit("orderscope-serve.service"), &state, &env_file, &[&format!("127.0.0.1:8090=127.0.0.1:{port}")]);

    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("the unit's receiver ended at start ({status}): {}", stderr(&out));
        }
        assert!(Instant::now() < deadline, "the unit's receiver never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    let plaintext = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1764656488,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#;
    let (target, body) = sealed_push(TOKEN, KEY, APPID, plaintext, 1);
    assert_eq!(post(port, &target, &body), Some((200, "success".into())));

    // The README's doctor line: the env file (comments and all) read by a
    // shell as root, doctor run as the service's user on its store.
    let user = if Command::new("id").arg("orderscope").output().is_ok_and(|o| o.status.success()) {
        "orderscope"
    } else {
        "nobody"
    };
    let line = format!(
        "set -a; . '{}'; exec runuser -u {user} -- '{}' --store '{}' doctor --url http://127.0.0.1:{port}/",
        env_file.display(),
        env!("CARGO_BIN_EXE_orderscope"),
        state.join("orderscope.db").display()
    );
    let doctor = Command::new("sh").args(["-c", &line]).env_remove("ORDERSCOPE_CONFIG").output().unwrap();
    let said = stdout(&doctor);
    assert!(said.contains("answered a signed URL verification"), "{said}{}", stderr(&doctor));
    assert!(said.lines().any(|l| l.starts_with("ok") && l.contains("store")), "{said}");

    let (status, log) = stop(child);
    assert_eq!(status.code(), Some(0), "not a clean stop (159 is SIGSYS from the syscall filter): {status}\n{log}");
    assert!(log.contains("store /var/lib/orderscope/orderscope.db"), "the unit's store path: {log}");
    assert!(log.contains("stopped"), "{log}");

    // The push is in the store the unit wrote, in its state directory.
    let o = run(&state.join("orderscope.db"), &["messages", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pushes: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(pushes.as_array().unwrap().len(), 1, "{pushes}");
    assert_eq!(pushes[0]["order_id"], "3732676853715311104", "{pushes}");
}

#[test]
fn the_sync_unit_stores_orders_under_its_own_sandbox_and_stops_cleanly() {
    if !sandbox_ready() {
        return;
    }
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    // The demo shop's API: a real HTTP server on loopback.
    let mut shop = bin().args(["demo", "--shop"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    // Kept open to the end: the shop prints more lines, and a closed pipe
    // would end it.
    let mut said = std::io::BufReader::new(shop.stdout.take().unwrap());
    let mut first = String::new();
    said.read_line(&mut first).unwrap();
    let base =
        first.split_whitespace().find(|w| w.starts_with("http://")).expect("the demo shop's address").to_string();

    let state = private_dir(dir.path(), "state");
    let env_file = dir.path().join("orderscope.env");
    write_env(
        &env_file,
        &[
            "ORDERSCOPE_APPID=wxd3m0000000000000".into(),
            "ORDERSCOPE_APPSECRET=demo-shop-secret".into(),
            format!("ORDERSCOPE_API_BASE={base}"),
        ],
    );
    let mut child = start(&unit("orderscope-sync.service"), &state, &env_file, &[]);
    let db = state.join("orderscope.db");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("the unit's sync ended ({status}): {}", stderr(&out));
        }
        let o = run(&db, &["orders", "--json"]);
        if o.status.success()
            && serde_json::from_str::<serde_json::Value>(&stdout(&o))
                .is_ok_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            break;
        }
        assert!(Instant::now() < deadline, "the unit's sync stored no order: {}", stderr(&o));
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, log) = stop(child);
    let _ = shop.kill();
    let _ = shop.wait();
    drop(said);
    assert_eq!(status.code(), Some(0), "not a clean stop (159 is SIGSYS from the syscall filter): {status}\n{log}");
    assert!(log.contains("new versions stored, 0 failed"), "{log}");
}
