//! End to end in a real terminal: the release of the binary runs inside tmux,
//! keys go in with `send-keys`, the screen comes out with `capture-pane`.

mod common;

use std::time::{Duration, Instant};

use common::tmux::{HANG, Tmux};

fn selected_line(screen: &str) -> String {
    screen.lines().find(|l| l.contains('▶')).unwrap_or("").to_string()
}

#[test]
fn demo_in_a_real_terminal() {
    let t = Tmux::new("demo");
    let bin = env!("CARGO_BIN_EXE_orderscope");
    t.start(
        80,
        24,
        &format!(
            "env LANG=zh_CN.UTF-8 {bin} demo; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; sleep 30"
        ),
    );
    // Start-up: the seed order selected, and the background list refresh done.
    let first = t.wait_for("the seed order", |s| s.contains("18400984191 转 0775") && s.contains("近期订单已刷新"));
    assert!(first.contains("3732676853715311104"), "{first}");
    assert!(first.contains("到期 2026-01-01 12:27:31"), "{first}");
    assert!(selected_line(&first).contains("3732676853715311104"), "{first}");

    // Copy the order id through OSC 52 into tmux's buffer.
    t.set_option("set-clipboard", "on");
    t.keys(&["y"]);
    t.wait_for("the copy notice", |s| s.contains("已复制订单号"));
    t.wait_for_buffer("the copied order id", |b| b.trim() == "3732676853715311104");

    // The selection moves.
    t.keys(&["Up"]);
    let moved = t.wait_for("the selection to move", |s| !selected_line(s).contains("3732676853715311104"));
    assert!(selected_line(&moved).contains('▶'), "{moved}");

    // The filter narrows the list.
    t.keys(&["/"]);
    t.literal("可延期");
    let filtered = t.wait_for("the filtered list", |s| s.contains("订单 1/1（共 13）"));
    assert!(filtered.contains("3741098712233558016"), "{filtered}");
    t.keys(&["Enter"]);

    // q exits with status 0 and leaves the terminal in cooked mode.
    t.keys(&["q"]);
    let after = t.wait_for("the exit status", |s| s.contains("EXIT="));
    assert!(after.contains("EXIT=0"), "{after}");
    let mode = t.wait_for("stty", |s| s.lines().any(|l| l.trim().ends_with("icanon")));
    assert!(mode.lines().any(|l| l.trim() == "icanon"), "terminal left in raw mode:\n{mode}");
}

/// Closing the pane is what a dropped SSH connection looks like: the
/// terminal hangs up and SIGHUP arrives. The inspector must end (not spin on
/// the dead terminal) and remove its temporary store. Repeated, because the
/// hangup can race with a read of the terminal.
#[test]
fn hangup_ends_the_inspector_and_removes_the_demo_store() {
    let bin = env!("CARGO_BIN_EXE_orderscope");
    for round in 0..5 {
        let t = Tmux::new(&format!("hup{round}"));
        let tmp = tempfile::tempdir().unwrap();
        t.start(100, 30, &format!("exec env TMPDIR={} {bin} demo", tmp.path().display()));
        t.wait_for("the demo", |s| s.contains("3732676853715311104"));
        let pid = t.pane_pid();
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "the demo store exists while running");
        if round % 2 == 1 {
            // Keys in flight while the terminal goes away.
            t.keys(&["Down", "Down", "Up"]);
        }
        t.kill();
        let deadline = Instant::now() + HANG;
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if state.contains(") Z ") {
                break; // exited, not yet reaped
            }
            assert!(Instant::now() < deadline, "round {round}: orderscope {pid} still running after the hangup");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "round {round}: the demo store was left behind");
    }
}

/// `kill -INT` and `kill -QUIT` from another shell (raw mode makes Ctrl-C
/// a key, so only a signal from elsewhere arrives this way): the inspector
/// leaves the alternate screen, shows the cursor, restores cooked mode and
/// removes its demo store, as it does for SIGTERM.
#[test]
fn interrupt_and_quit_signals_restore_the_terminal() {
    let bin = env!("CARGO_BIN_EXE_orderscope");
    for (name, signal) in [("int", libc::SIGINT), ("quit", libc::SIGQUIT)] {
        let t = Tmux::new(&format!("sig{name}"));
        let tmp = tempfile::tempdir().unwrap();
        t.start(
            100,
            30,
            &format!(
                "env TMPDIR={} {bin} demo; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon; sleep 30",
                tmp.path().display()
            ),
        );
        t.wait_for("the demo", |s| s.contains("3732676853715311104"));
        let shell = t.pane_pid();
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
        let pid: i32 = children.split_whitespace().next().expect("the inspector runs under the shell").parse().unwrap();
        // SAFETY: kill only sends a signal to the inspector this test started.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let after = t.wait_for("the inspector to end", |s| s.contains("EXIT="));
        assert!(after.contains("EXIT=0"), "{name}: {after}");
        let mode = t.wait_for("stty", |s| s.lines().any(|l| l.trim().ends_with("icanon")));
        assert!(mode.lines().any(|l| l.trim() == "icanon"), "{name}: terminal left in raw mode:\n{mode}");
        assert_eq!(t.display("#{alternate_on} #{cursor_flag}"), "0 1", "{name}: alternate screen on, cursor hidden");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "{name}: the demo store was left behind");
    }
}

#[test]
fn live_demo_shows_an_order_shipping() {
    let t = Tmux::new("live");
    let bin = env!("CARGO_BIN_EXE_orderscope");
    t.start(120, 32, &format!("env LANG=en_US.UTF-8 ORDERSCOPE_DEMO_SHIP_AFTER=12 {bin} demo; sleep 30"));
    t.wait_for("the live demo", |s| s.contains("● fetched"));
    t.keys(&["/"]);
    t.literal("3741142277031690240");
    t.keys(&["Enter"]);
    let before = t.wait_for("the pending order", |s| s.contains("▶3741142277031690240"));
    assert!(before.contains("pending"), "{before}");
    // The fake shop ships it some seconds after the start: refetch, give
    // the answer a moment to show, and refetch again until it does.
    let deadline = Instant::now() + HANG;
    let shipped = loop {
        t.keys(&["r"]);
        if let Some(s) = t.try_wait(Duration::from_millis(700), |s| s.contains("17190452276 ext. 6620")) {
            break s;
        }
        assert!(Instant::now() < deadline, "the shipment never appeared:\n{}", t.screen());
    };
    assert!(shipped.contains("After shipping"), "{shipped}");
    assert!(shipped.contains("active · expires in "), "{shipped}");
    t.keys(&["q"]);
}

/// The support person's case: the inspector is open on an order while the
/// receiver, a separate process on the same store, takes a type 5 push for
/// it. The push shows up on screen with no key pressed.
#[test]
fn a_push_sent_to_serve_appears_in_the_open_inspector() {
    use std::io::{Read, Write};
    const TOKEN: &str = "AAAAA";
    const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const APPID: &str = "wxba5fad812f8e6fb9";
    let bin = env!("CARGO_BIN_EXE_orderscope");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let imported = common::run(&db, &["import", common::seed_file("before").to_str().unwrap()]);
    assert!(imported.status.success(), "{}", common::stderr(&imported));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    /// Stops the receiver however the test ends, a failed assertion included.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
            let _ = self.0.wait();
        }
    }
    let serve = common::bin()
        .arg("--store")
        .arg(&db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--log", dir.path().join("log").to_str().unwrap()])
        .env("ORDERSCOPE_PUSH_TOKEN", TOKEN)
        .env("ORDERSCOPE_PUSH_AES_KEY", KEY)
        .env("ORDERSCOPE_APPID", APPID)
        .env_remove("ORDERSCOPE_CONFIG")
        .env_remove("ORDERSCOPE_APPSECRET")
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _serve = Stop(serve);
    let deadline = Instant::now() + HANG;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "receiver did not start");
        std::thread::sleep(Duration::from_millis(20));
    }

    let t = Tmux::new("serve");
    t.start(
        120,
        32,
        &format!("env -u ORDERSCOPE_CONFIG -u ORDERSCOPE_APPSECRET LANG=en_US.UTF-8 HOME={home} {bin} --store {} tui; sleep 30", db.display(), home = dir.path().display()),
    );
    let before = t.wait_for("the order", |s| s.contains("▶3732676853715311104") && s.contains("Messages (0)"));
    assert!(!before.contains("new pushes"), "{before}");

    // A type 5 push for the order on screen, sealed and signed as the platform does.
    let plaintext = r#"{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1764656488,"MsgType":"event","Event":"channels_ec_order_ext_info_update","order_info":{"order_id":3732676853715311104,"type":5}}"#;
    let key = orderscope::crypto::decode_key(KEY).unwrap();
    let encrypt = orderscope::crypto::seal(&key, &[7u8; 16], plaintext.as_bytes(), APPID);
    let (timestamp, nonce) = ("1764656488", "n1");
    let sig = orderscope::crypto::msg_signature(TOKEN, timestamp, nonce, &encrypt);
    let body = serde_json::json!({"ToUserName": "gh_1", "Encrypt": encrypt}).to_string();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST /?timestamp={timestamp}&nonce={nonce}&encrypt_type=aes&msg_signature={sig} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.ends_with("success"), "{answer}");

    // How soon it shows is the terminal bench's "push answered success to
    // on screen"; here it is that it shows, unasked.
    let after = t.wait_for("the push on screen", |s| s.contains("Messages (1)"));
    assert!(after.contains("ext_info_update 5"), "{after}");
    assert!(after.contains("● new"), "{after}");
    assert!(after.contains("new pushes +1"), "{after}");
    assert!(after.contains("▶3732676853715311104"), "the selection stayed:\n{after}");
    t.keys(&["q"]);
}

/// `y` in the timeline puts the whole report on the terminal's clipboard
/// (OSC 52, read back from tmux's buffer) and `e` writes it to a file in the
/// directory the demo started in, both with the line count in the notice.
#[test]
fn the_report_leaves_the_screen_by_clipboard_and_by_file() {
    let t = Tmux::new("report");
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_orderscope");
    t.start(100, 30, &format!("cd {} && env LANG=en_US.UTF-8 {bin} demo; sleep 30", dir.path().display()));
    t.set_option("set-clipboard", "on");
    t.wait_for("the seed order", |s| s.contains("recent orders refreshed"));
    t.keys(&["t"]);
    t.wait_for("the timeline", |s| s.contains("y copy report"));
    t.keys(&["y"]);
    let screen = t.wait_for("the copy notice", |s| s.contains("copied the report of order 3732676853715311104"));
    let lines: usize = screen
        .split("(Markdown, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{screen}"));
    let copied = t.wait_for_buffer("the report", |b| b.starts_with("# Order 3732676853715311104"));
    assert_eq!(copied.lines().count(), lines, "{copied}");

    t.keys(&["e"]);
    t.wait_for("the file notice", |s| s.contains("wrote the report of order 3732676853715311104 to"));
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), copied);
    t.keys(&["Escape"]);
    t.keys(&["q"]);
}

/// The push stream and the back stack in a real terminal: `p` lists the
/// pushes, Enter goes to an order, the timeline's raw JSON closes back onto
/// the timeline and the timeline onto the main screen.
#[test]
fn the_push_stream_and_the_way_back() {
    let t = Tmux::new("stream");
    let bin = env!("CARGO_BIN_EXE_orderscope");
    t.start(100, 30, &format!("env LANG=en_US.UTF-8 {bin} demo; sleep 30"));
    t.wait_for("the seed order", |s| s.contains("recent orders refreshed"));
    t.keys(&["p"]);
    t.keys(&["3"]);
    let stream = t.wait_for("the push stream", |s| s.contains("Push stream · last day") && s.contains('▶'));
    let line = stream.lines().find(|l| l.contains('▶')).unwrap().to_string();
    let order = line.split_whitespace().nth(4).unwrap_or_else(|| panic!("{line}")).to_string();
    assert_eq!(order.len(), 19, "{line}");
    t.keys(&["Enter"]);
    let main = t.wait_for("the order of the push", |s| !s.contains("Push stream") && selected_line(s).contains(&order));
    assert!(main.contains(" orderscope · "), "no breadcrumb on the main screen:\n{main}");
    t.keys(&["t"]);
    t.wait_for("the timeline", |s| s.contains("orderscope › timeline"));
    // The second entry: the order's first push (the first is inferred).
    t.keys(&["j"]);
    t.keys(&["Enter"]);
    t.wait_for("the entry's raw JSON", |s| s.contains("orderscope › timeline › raw JSON"));
    t.keys(&["Escape"]);
    t.wait_for("back on the timeline", |s| s.contains("orderscope › timeline") && !s.contains("› raw JSON"));
    t.keys(&["Escape"]);
    t.wait_for("back on the main screen", |s| !s.contains("orderscope › ") && selected_line(s).contains(&order));
    t.keys(&["q"]);
}

/// The command line in a real terminal: `:`, a partial id, Tab, Enter.
#[test]
fn the_command_line_goes_to_an_order() {
    let t = Tmux::new("prompt");
    let bin = env!("CARGO_BIN_EXE_orderscope");
    t.start(100, 30, &format!("env LANG=en_US.UTF-8 {bin} demo; sleep 30"));
    t.wait_for("the seed order", |s| s.contains("recent orders refreshed"));
    t.keys(&[":"]);
    t.literal("374109");
    t.keys(&["Tab"]);
    t.wait_for("the completed id", |s| s.contains(":3741098712233558016 ▏"));
    t.keys(&["Enter"]);
    t.wait_for("the order selected", |s| selected_line(s).contains("3741098712233558016"));
    // Order B is not in the store: the command line fetches it from the demo
    // shop, and what the demo shop made up is marked as demo everywhere.
    t.keys(&[":"]);
    t.literal("3732679488426088960");
    t.keys(&["Enter"]);
    let screen = t.wait_for("order B, fetched and marked", |s| {
        selected_line(s).contains("3732679488426088960") && s.contains("3732679488426088960 [demo data]")
    });
    let lines: Vec<&str> = screen.lines().collect();
    let row = lines.iter().position(|l| l.contains("▶3732679488426088960")).unwrap();
    assert!(lines[row + 1].contains("demo"), "the list row carries the demo mark:\n{screen}");
    t.keys(&["q"]);
}
