//! What a Unix tool on a production host is expected to do, with the real
//! binary: completions, man page, help with examples and environment, the
//! config file (`config init`, TOML errors with lines), `doctor` against a
//! real receiver and the fake shop API, read commands that never change a
//! file, and terminal control from data printed escaped.

mod common;

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use orderscope::api::fake::FakeShop;

const APPID: &str = "wx1b80498468985c93";
const SECRET: &str = "unix-test-secret";
const TOKEN: &str = "push-token";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The binary with no settings inherited from the environment.
fn clean() -> std::process::Command {
    let mut c = bin();
    for v in [
        "ORDERSCOPE_STORE",
        "ORDERSCOPE_CONFIG",
        "ORDERSCOPE_LANG",
        "ORDERSCOPE_APPID",
        "ORDERSCOPE_APPSECRET",
        "ORDERSCOPE_API_BASE",
        "ORDERSCOPE_PUSH_TOKEN",
        "ORDERSCOPE_PUSH_AES_KEY",
        "ORDERSCOPE_LISTEN",
        "ORDERSCOPE_FORWARD",
    ] {
        c.env_remove(v);
    }
    c.env("LANG", "en_US.UTF-8").stdin(Stdio::null());
    c
}

fn out(args: &[&str]) -> Output {
    clean().args(args).output().unwrap()
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    for (shell, mark) in [("bash", "complete -F"), ("zsh", "#compdef orderscope"), ("fish", "complete -c orderscope")] {
        let o = out(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(mark), "{shell}: {}", &text[..text.len().min(300)]);
        for command in ["serve", "timeline", "doctor"] {
            assert!(text.contains(command), "{shell} completions lack {command}");
        }
    }
    assert_eq!(out(&["completions", "tcsh"]).status.code(), Some(2));
    let o = out(&["man"]);
    assert!(o.status.success());
    let page = stdout(&o);
    assert!(page.starts_with(".ie") || page.contains(".TH orderscope"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("doctor") && page.contains("ORDERSCOPE_APPSECRET"));
    // The pages the main one refers to, one per command.
    let dir = tempfile::tempdir().unwrap();
    assert!(out(&["man", "--dir", dir.path().to_str().unwrap()]).status.success());
    for name in ["orderscope.1", "orderscope-serve.1", "orderscope-config-init.1", "orderscope-doctor.1"] {
        let page = std::fs::read_to_string(dir.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(page.contains(".TH orderscope"), "{name}");
    }
    assert!(
        std::fs::read_to_string(dir.path().join("orderscope-serve.1")).unwrap().contains("ORDERSCOPE_PUSH_AES_KEY")
    );
}

#[test]
fn every_command_has_an_example_and_its_environment_in_help() {
    let main = stdout(&out(&["--help"]));
    assert!(main.contains("ORDERSCOPE_APPID") && main.contains("ORDERSCOPE_APPSECRET"), "{main}");
    let commands = [
        "tui",
        "demo",
        "serve",
        "orders",
        "show",
        "sync",
        "diff",
        "timeline",
        "report",
        "compare",
        "note",
        "messages",
        "import",
        "doctor",
        "completions",
        "man",
    ];
    for c in commands {
        let help = stdout(&out(&[c, "--help"]));
        assert!(help.contains("Example:\n  orderscope"), "{c} --help has no example:\n{help}");
        if !matches!(c, "completions" | "man") {
            assert!(help.contains("Environment:"), "{c} --help names no environment:\n{help}");
        }
    }
    for c in ["show", "diff", "timeline", "report", "note"] {
        let help = stdout(&out(&[c, "--help"]));
        assert!(help.contains("<ORDER_ID>  The order's id"), "{c}: {help}");
    }
    // These fetch an order the store lacks, so they name the shop API's variables.
    for c in ["sync", "show", "diff", "timeline", "report", "compare"] {
        let help = stdout(&out(&[c, "--help"]));
        assert!(help.contains("ORDERSCOPE_APPSECRET"), "{c}: {help}");
    }
    let report = stdout(&out(&["report", "--help"]));
    assert!(report.contains("--compare <ORDER_ID>") && report.contains("report 3732676853715311104 --compare"));
    let note = stdout(&out(&["note", "--help"]));
    assert!(note.contains("--at <TIME>") && note.contains("--type 5"), "{note}");
    assert!(stdout(&out(&["demo", "--help"])).contains("orderscope demo --shop"));
    assert!(stdout(&out(&["serve", "--help"])).contains("ORDERSCOPE_PUSH_AES_KEY"));
    assert!(stdout(&out(&["config", "init", "--help"])).contains("Example:"));
}

#[test]
fn config_init_writes_a_private_example_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("etc/config.toml");
    let o = out(&["--config", path.to_str().unwrap(), "config", "init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let o = out(&["--config", path.to_str().unwrap(), "config", "init"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists") && stderr(&o).contains("--force"), "{}", stderr(&o));
    // The example, filled in, is read: a trailing comment is fine TOML.
    let db = dir.path().join("s.db");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "# store = \"/var/lib/orderscope/orderscope.db\"",
        &format!("store = {:?}   # here", db.to_str().unwrap()),
    );
    std::fs::write(&path, text).unwrap();
    assert!(
        clean()
            .args(["--config", path.to_str().unwrap(), "import"])
            .arg(seed_file("before"))
            .status()
            .unwrap()
            .success()
    );
    assert!(db.exists());
    // An unknown key is refused with its line; a bad key reports the file's key.
    std::fs::write(&path, "appid = \"wx1\"\nlisten_on = \"x\"\n").unwrap();
    let e = stderr(&out(&["--config", path.to_str().unwrap(), "orders"]));
    assert!(e.contains(&format!("{}:2: unknown field listen_on", path.display())), "{e}");
    std::fs::write(&path, "appid = \"wx1\"\npush_token = \"t\"\npush_aes_key = \"short\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let e = stderr(&out(&["--config", path.to_str().unwrap(), "messages", "--reprocess"]));
    assert!(e.starts_with(&format!("orderscope: push_aes_key in {}:3: ", path.display())), "{e}");
    assert!(!e.contains("ORDERSCOPE_PUSH_AES_KEY") && !e.contains("short"), "{e}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_serve(config: &Path, port: u16) -> Serve {
    let child = clean()
        .args(["--config", config.to_str().unwrap(), "serve", "--log"])
        .arg(config.with_file_name("serve.log"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Serve(child)
}

#[test]
fn doctor_checks_the_setup_end_to_end_and_says_how_to_fix_it() {
    let shop = FakeShop::start_thread(APPID, SECRET).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let config = dir.path().join("config.toml");
    let port = free_port();
    let write_config = |secret: &str| {
        std::fs::write(
            &config,
            format!(
                "store = {db:?}\nappid = {APPID:?}\nappsecret = {secret:?}\napi_base = {:?}\npush_token = {TOKEN:?}\npush_aes_key = {KEY:?}\nlisten = \"127.0.0.1:{port}\"\n",
                shop.base_url()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    };
    write_config(SECRET);
    let doctor = || out(&["--config", config.to_str().unwrap(), "doctor"]);

    // Nothing running, no store yet: each failure says what to do.
    let o = doctor();
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("FAIL  store") && text.contains("fix: start `orderscope serve`"), "{text}");
    assert!(text.contains("ok    shop API"), "{text}");
    assert!(text.contains("FAIL  receiver") && text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!db.exists(), "doctor must not create the store");

    let serve = start_serve(&config, port);
    // The port opens a moment before the receiver has created its store and
    // recorded its period (until then doctor skips the hosts check): ask
    // again until every check passes, hosts included.
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let o = doctor();
        if o.status.success() && stdout(&o).contains("ok    hosts") {
            break stdout(&o);
        }
        assert!(Instant::now() < deadline, "doctor still failing 60 s after serve started: {}", stdout(&o));
        std::thread::sleep(Duration::from_millis(100));
    };
    for check in ["ok    config", "ok    store", "ok    shop API", "ok    receiver"] {
        assert!(text.contains(check), "{check}: {text}");
    }
    assert!(text.contains("answered a signed URL verification"), "{text}");
    for check in ["ok    backlog   every stored push is readable", "ok    quarantine no push in quarantine"] {
        assert!(text.contains(check), "{check}: {text}");
    }
    assert!(text.contains("ok    hosts") && text.contains("up, last heartbeat"), "{text}");

    // Pushes sealed with another EncodingAESKey than the receiver's (the
    // console's key changed): each is kept in quarantine, and doctor says so.
    let other_key = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";
    let plaintext =
        r#"{"CreateTime":1764656488,"Event":"channels_ec_order_ext_info_update","order_info":{"order_id":1,"type":5}}"#;
    let (target, body) = sealed_push(TOKEN, other_key, APPID, plaintext, 1);
    assert!(post(port, &target, &body).is_some());
    // The receiver stores the push in quarantine a moment after answering.
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let text = stdout(&doctor());
        if text.contains("FAIL  quarantine") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(text.contains("FAIL  quarantine 1 pushes could not be read"), "{text}");
    assert!(text.contains("EncodingAESKey"), "{text}");

    // A wrong AppSecret: the token request fails, with the platform's hint.
    write_config("Wr0ngSecretXYZ");
    let text = stdout(&doctor());
    assert!(text.contains("FAIL  shop API") && text.contains("fix: "), "{text}");
    assert!(!text.contains("Wr0ngSecretXYZ"), "a secret reached the output: {text}");
    drop(serve);

    // A world-readable config with secrets: refused with the chmod to run.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let text = stdout(&doctor());
    assert!(text.contains("FAIL  config") && text.contains("chmod 600"), "{text}");
}

#[test]
fn read_commands_never_change_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // Another program's database, and a store from a newer orderscope.
    let foreign = dir.path().join("foreign.db");
    let c = rusqlite::Connection::open(&foreign).unwrap();
    c.execute_batch("PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    drop(c);
    let plain = dir.path().join("plain.db");
    let c = rusqlite::Connection::open(&plain).unwrap();
    c.execute_batch("CREATE TABLE t(x);").unwrap();
    drop(c);
    let newer = dir.path().join("newer.db");
    assert!(run(&newer, &["import", seed_file("before").to_str().unwrap()]).status.success());
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    c.pragma_update(None, "user_version", 99).unwrap();
    drop(c);
    for (path, message) in [
        (&foreign, "belongs to another program"),
        (&plain, "a SQLite database with other tables"),
        (&newer, "has schema version 99"),
    ] {
        let before = std::fs::read(path).unwrap();
        for args in [&["orders"][..], &["import", seed_file("after").to_str().unwrap()][..]] {
            let o = run(path, args);
            assert_eq!(o.status.code(), Some(1));
            assert!(stderr(&o).contains(message), "{}", stderr(&o));
        }
        assert_eq!(std::fs::read(path).unwrap(), before, "{} changed", path.display());
        assert!(!path.with_extension("db-wal").exists(), "{} got a WAL", path.display());
    }
    // An empty file is no store: not turned into one by a read command.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    for args in [&["orders"][..], &["messages", "--json"][..], &["tui"][..]] {
        let o = run(&empty, args);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(
            stderr(&o).lines().next().unwrap(),
            format!("orderscope: no store at {} (import, serve or sync create one)", empty.display())
        );
    }
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
    // The inspector does not create a store at a path that does not exist.
    let missing = dir.path().join("typo/store.db");
    let o = run(&missing, &["tui"]);
    assert!(stderr(&o).starts_with("orderscope: no store at"), "{}", stderr(&o));
    assert!(!missing.exists() && !missing.parent().unwrap().exists());
}

#[test]
fn terminal_control_in_data_is_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    // A push about an order whose id clears the screen, with an event that
    // sets the window title (OSC 0), and a line that is not JSON.
    // The file's name carries a control sequence too (it is in the error line).
    let log = dir.path().join("pushes\u{1b}[2J.jsonl");
    std::fs::write(
        &log,
        concat!(
            r#"{"CreateTime":1764656488,"MsgType":"event","Event":"evil\u001b]0;pwned\u0007","order_info":{"order_id":"37\u001b[2J","type":5}}"#,
            "\n",
            "not json\n"
        ),
    )
    .unwrap();
    let o = run(&db, &["import", log.to_str().unwrap()]);
    for text in [stdout(&o), stderr(&o)] {
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
    }
    assert!(stderr(&o).contains("␛[2J"), "{}", stderr(&o));
    for args in [&["messages"][..], &["orders"][..], &["timeline", "37\u{1b}[2J"][..], &["report", "37\u{1b}[2J"][..]] {
        let o = run(&db, args);
        let text = stdout(&o) + &stderr(&o);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{args:?}: {text:?}");
    }
    assert!(stdout(&run(&db, &["messages"])).contains("37␛[2J"));
    // An order whose id and product title carry control sequences.
    let order = dir.path().join("order.json");
    std::fs::write(
        &order,
        r#"{"errcode":0,"order":{"order_id":"9\u001b[2J","status":20,"update_time":1764656487,"order_detail":{"product_infos":[{"title":"cup\u001b]0;pwned\u0007\u009b31m","sku_cnt":1}]}}}"#,
    )
    .unwrap();
    assert!(run(&db, &["import", order.to_str().unwrap()]).status.success());
    for args in [&["orders"][..], &["show", "9\u{1b}[2J"][..], &["diff", "9\u{1b}[2J"][..]] {
        let o = run(&db, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{args:?}: {text:?}");
    }
    assert!(stdout(&run(&db, &["show", "9\u{1b}[2J"])).contains("cup␛]0;pwned␇"));
    // What someone reported, and the commands that weigh it: the note's words
    // and both orders side by side come out escaped too.
    let o = run(&db, &["note", "9", "said \u{1b}]0;pwned\u{7} at once"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for args in [
        &["compare", "9\u{1b}[2J", "37\u{1b}[2J"][..],
        &["compare", "9", "9\u{1b}[2J"][..],
        &["report", "9\u{1b}[2J", "--compare", "37\u{1b}[2J"][..],
        &["timeline", "9"][..],
        &["messages", "9\u{1b}[2J"][..],
    ] {
        let o = run(&db, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let text = stdout(&o) + &stderr(&o);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{args:?}: {text:?}");
    }
    assert!(stdout(&run(&db, &["compare", "9", "9\u{1b}[2J"])).contains("said ␛]0;pwned␇ at once"));
    assert!(stderr(&run(&db, &["messages", "9\u{1b}[2J"])).contains("no push is stored for order 9␛[2J"));
    // An id given on the command line comes back escaped in the error.
    let o = run(&db, &["show", "1\u{1b}]0;x\u{7}"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains('\u{1b}') && stderr(&o).contains("1␛]0;x␇"), "{:?}", stderr(&o));
}

#[test]
fn receiver_logs_to_a_pipe_carry_offset_times_and_no_colour() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = clean()
        .arg("--store")
        .arg(dir.path().join("s.db"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    let log = stderr(&o);
    assert!(!log.contains('\u{1b}'), "colour codes in a pipe: {log:?}");
    let first = log.lines().next().unwrap_or("");
    // 2026-11-29T13:17:31.374+08:00  INFO listening on …
    assert_eq!(first.get(10..11), Some("T"), "{first}");
    assert_eq!(first.get(23..29), Some("+08:00"), "{first}");
    assert!(first.contains("listening on"), "{first}");
}

/// A push log larger than any whole-document read: JSON lines, each
/// followed by a line of spaces (skipped as blank, so that the log is big
/// without being slow to store), pushes all the way to its end.
fn big_push_log(path: &Path, lines: usize) -> u64 {
    use std::io::Write;
    let pad = " ".repeat(40_000);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..lines {
        writeln!(
            f,
            "{{\"CreateTime\":{},\"MsgType\":\"event\",\"Event\":\"channels_ec_order_new\",\"order_info\":{{\"order_id\":{}}}}}\n{pad}",
            1_764_000_000 + i,
            3_700_000_000_000_000_000u64 + i as u64
        )
        .unwrap();
    }
    f.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn a_pipe_a_fifo_and_a_file_import_every_line_of_a_log_over_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("pushes.jsonl");
    let lines = 2_000;
    assert!(big_push_log(&log, lines) > orderscope::import::MAX_DOCUMENT, "the log must exceed a whole-document read");
    let want = format!("0 new snapshots (0 already stored), {lines} new messages (0 already stored), 0 bad lines");

    // `cat log | orderscope import /dev/stdin`: a real pipe.
    let piped = dir.path().join("piped.db");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"cat "$1" | "$2" --store "$3" import /dev/stdin"#)
        .args(["sh", log.to_str().unwrap(), env!("CARGO_BIN_EXE_orderscope"), piped.to_str().unwrap()])
        .env("LANG", "en_US.UTF-8")
        .output()
        .unwrap();
    assert!(o.status.success() && stdout(&o).contains(&want), "{}{}", stdout(&o), stderr(&o));

    // A FIFO, written by another process while import reads it.
    let fifo = dir.path().join("pushes.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"cat "$1" > "$2""#)
        .args(["sh", log.to_str().unwrap(), fifo.to_str().unwrap()])
        .spawn()
        .unwrap();
    let from_fifo = dir.path().join("fifo.db");
    let o = run(&from_fifo, &["import", fifo.to_str().unwrap()]);
    assert!(writer.wait_with_output().unwrap().status.success());
    assert!(o.status.success() && stdout(&o).contains(&want), "{}{}", stdout(&o), stderr(&o));

    // The same file by path gives the same store.
    let by_path = dir.path().join("path.db");
    let o = run(&by_path, &["import", log.to_str().unwrap()]);
    assert!(stdout(&o).contains(&want), "{}{}", stdout(&o), stderr(&o));
}

/// A config path that never ends (`/dev/zero`) is refused after a bounded
/// read: under a 256 MiB address-space limit an unbounded read aborts.
#[test]
fn a_config_that_never_ends_is_refused_in_bounded_memory() {
    let mut cmd = clean();
    cmd.args(["--config", "/dev/zero", "orders"]);
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            let rl = libc::rlimit { rlim_cur: 256 << 20, rlim_max: 256 << 20 };
            if libc::setrlimit(libc::RLIMIT_AS, &rl) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "orderscope: config /dev/zero is larger than 1024 KiB: not a config file",
        "{}",
        stderr(&o)
    );
}

/// A store path naming a device or a pipe is refused before SQLite opens
/// it, so no journal appears beside it.
#[test]
fn a_store_path_that_is_not_a_regular_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("store.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for store in [fifo.to_str().unwrap(), "/dev/null"] {
        for args in [&["import", seed_file("before").to_str().unwrap()][..], &["orders"][..]] {
            let o = clean().arg("--store").arg(store).args(args).output().unwrap();
            assert_eq!(o.status.code(), Some(1), "{store} {args:?}");
            assert_eq!(
                stderr(&o).trim_end(),
                format!(
                    "orderscope: {store} is not an orderscope store: it is not a regular file (a device, pipe or socket)"
                ),
            );
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("store.fifo")]);
}
