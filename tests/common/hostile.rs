//! Clients a receiver on the open internet meets, for the tests and the
//! receiver bench alike: they hold its connections and never finish a
//! request or never read an answer.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

/// A socket whose receive buffer is as small as the kernel allows, so that
/// answers it never reads soon fill what the server may send it.
pub fn tiny_window_socket(port: u16) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    // SAFETY: plain socket calls on a descriptor this function owns until
    // it hands it to TcpStream.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let small: libc::c_int = 1024;
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &small as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
        let addr = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: port.to_be(),
            sin_addr: libc::in_addr { s_addr: u32::from_be_bytes([127, 0, 0, 1]).to_be() },
            sin_zero: [0; 8],
        };
        let stream = TcpStream::from_raw_fd(fd);
        if libc::connect(
            fd,
            &addr as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as u32,
        ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        Ok(stream)
    }
}

/// 300 hostile sockets until `stop`: half send a head announcing 60,000
/// bytes and then one byte a second; half pipeline signed URL
/// verifications with 6 KB answers and never read one. Each reconnects as
/// soon as it is closed.
pub fn hostile_clients(port: u16, token: &str, stop: std::sync::Arc<std::sync::atomic::AtomicBool>) -> usize {
    let (ts, nonce) = ("1714112445", "415670741");
    let verify = format!(
        "GET /?signature={}&timestamp={ts}&nonce={nonce}&echostr={} HTTP/1.1\r\nHost: x\r\n\r\n",
        orderscope::crypto::signature(token, ts, nonce),
        "e".repeat(6000)
    );
    let head = "POST /wx?timestamp=1&nonce=2&msg_signature=x HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n";
    let mut socks: Vec<(bool, Option<TcpStream>)> = (0..300).map(|i| (i % 2 == 0, None)).collect();
    let mut reconnects = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        for (trickle, slot) in socks.iter_mut() {
            if slot.is_none() {
                let s = if *trickle { TcpStream::connect(("127.0.0.1", port)) } else { tiny_window_socket(port) };
                let Ok(mut s) = s else { continue };
                if *trickle && s.write_all(head.as_bytes()).is_err() {
                    continue;
                }
                let _ = s.set_nonblocking(true);
                *slot = Some(s);
                reconnects += 1;
            }
            let s = slot.as_mut().unwrap();
            let gone = if *trickle {
                !matches!(s.write(b"x"), Ok(1))
            } else {
                let mut gone = false;
                for _ in 0..4 {
                    match s.write(verify.as_bytes()) {
                        Ok(0) => gone = true,
                        Ok(_) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                        Err(_) => gone = true,
                    }
                    break;
                }
                gone
            };
            if gone {
                *slot = None;
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    reconnects
}
