//! What the stand-ins for the forges' APIs share: a small TCP proxy in front of wiremock that
//! makes some requests slow (never answered, or answered one byte at a time), percent
//! decoding of URL paths, the shapes an API may echo a token in, and a forged sticky state.

#![allow(dead_code)] // shared by several test files, each using its own part
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How a slow API misbehaves.
#[derive(Debug, Clone, Copy)]
pub enum Slow {
    /// Accepts the connection, reads the request, and never answers.
    Never,
    /// Answers with the real headers, then the body one byte per interval.
    Drip(Duration),
}

/// Start a proxy in front of `upstream` (a wiremock server): requests to paths that start
/// with `path` are slow in this way, the others are answered as `upstream` answers. Returns
/// the proxy's base URL.
pub async fn start(upstream: std::net::SocketAddr, path: &str, how: Slow) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let addr = listener.local_addr().expect("bound");
    let path = path.to_owned();
    tokio::spawn(async move {
        loop {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            let path = path.clone();
            tokio::spawn(serve(conn, upstream, path, how));
        }
    });
    format!("http://{addr}")
}

/// Serve one connection, for one request: it is passed to wiremock, and answered as wiremock
/// answers, or slowly when its path matches.
async fn serve(
    mut conn: tokio::net::TcpStream,
    upstream: std::net::SocketAddr,
    slow_path: String,
    how: Slow,
) {
    // The request's head, then its body (Content-Length).
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let slow = path.starts_with(&slow_path);
    if slow && matches!(how, Slow::Never) {
        // Hold the connection open, and say nothing.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return;
    }
    // Ask wiremock, on a connection of its own that it closes after answering.
    let mut request = Vec::new();
    for line in head.trim_end().lines() {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            request.extend_from_slice(line.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
    }
    request.extend_from_slice(b"connection: close\r\n\r\n");
    request.extend_from_slice(&buf[head_end..head_end + length]);
    let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await else {
        return;
    };
    if up.write_all(&request).await.is_err() {
        return;
    }
    let mut answer = Vec::new();
    if up.read_to_end(&mut answer).await.is_err() {
        return;
    }
    // Tell the client this connection ends with the answer.
    if let Some(i) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&answer[..i]).to_ascii_lowercase();
        if !head.contains("\r\nconnection:") {
            answer.splice(i + 2..i + 2, b"connection: close\r\n".iter().copied());
        }
    }
    match how {
        Slow::Drip(every) if slow => {
            let split = answer
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(answer.len(), |i| i + 4);
            if conn.write_all(&answer[..split]).await.is_err() {
                return;
            }
            for byte in &answer[split..] {
                tokio::time::sleep(every).await;
                if conn.write_all(&[*byte]).await.is_err() || conn.flush().await.is_err() {
                    return;
                }
            }
        }
        _ => {
            // A client that went away needs no answer.
            let _ = conn.write_all(&answer).await;
        }
    }
    // wiremock closed its connection: this one ends too, and the client opens another.
}

/// A percent-encoded URL path, decoded.
pub fn decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A token in the shapes an API may echo it in: as it is, in base64 Basic credentials for each
/// of these users (`x-access-token` on GitHub; `oauth2` and `gitlab-ci-token` on GitLab),
/// base64url, percent-encoded and JSON-escaped.
pub fn echoes(token: &str, basic_users: &[&str]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    let mut out = vec![token.to_owned()];
    out.extend(
        basic_users
            .iter()
            .map(|user| STANDARD.encode(format!("{user}:{token}"))),
    );
    out.push(URL_SAFE_NO_PAD.encode(token));
    out.push(token.bytes().map(|b| format!("%{b:02X}")).collect());
    out.push(
        token
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect(),
    );
    out
}

/// The body of a foureyes comment (without a forge's own last lines) with its state rewritten
/// by `edit` (on the state's JSON text) and sealed again: what an attacker who read the source
/// would write.
pub fn forge_state(body: &str, edit: impl Fn(&str) -> String) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let state_line = body.lines().last().expect("a state line");
    let encoded = state_line
        .strip_prefix("<!-- foureyes:state ")
        .and_then(|l| l.strip_suffix(" -->"))
        .expect("a state line");
    let json = String::from_utf8(b64.decode(encoded).expect("base64")).expect("utf-8");
    let forged = edit(&json);
    assert_ne!(forged, json, "the edit changed the state");
    let mut hash = sha2::Sha256::new();
    hash.update(b"foureyes state\n");
    hash.update(forged.as_bytes());
    let seal: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let first = body.lines().next().expect("a marker");
    let old_seal = first
        .split(" seal=")
        .nth(1)
        .and_then(|s| s.strip_suffix(" -->"))
        .expect("a seal");
    body.replacen(old_seal, &seal, 1)
        .replace(encoded, &b64.encode(forged))
}

/// A state that says nothing needs approval.
pub fn to_pass(json: &str) -> String {
    json.replace("\"verdict\":\"approval_required\"", "\"verdict\":\"pass\"")
}
