//! A small local HTTP server that answers like GitHub's three issue-comment
//! endpoints for repository `o/r`, pull request 7, and records what it was
//! sent (for `pr-report --post`).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What the server holds and saw.
#[derive(Default)]
pub struct Fake {
    /// (id, body) of the PR's comments.
    pub comments: Vec<(u64, String)>,
    /// (method, path, authorization, body) of every request.
    pub seen: Vec<(String, String, String, String)>,
    /// Answer the next N requests with this status first.
    pub fail: Vec<u16>,
}

/// Serves until the test ends; returns the base URL.
pub fn serve(state: Arc<Mutex<Fake>>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap().to_string(),
                parts.next().unwrap().to_string(),
            );
            let (mut len, mut auth) = (0usize, String::new());
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap(),
                    "authorization" => auth = v.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let body = String::from_utf8(body).unwrap();
            let mut f = state.lock().unwrap();
            f.seen
                .push((method.clone(), path.clone(), auth, body.clone()));
            let (status, reply) = if !f.fail.is_empty() {
                let code = f.fail.remove(0);
                (code, json!({"message": "try later"}).to_string())
            } else if method == "GET" && path.starts_with("/repos/o/r/issues/7/comments?") {
                let list: Vec<Value> = if path.ends_with("page=1") {
                    f.comments
                        .iter()
                        .map(|(id, b)| json!({"id": id, "body": b}))
                        .collect()
                } else {
                    vec![]
                };
                (200, Value::from(list).to_string())
            } else if method == "POST" && path == "/repos/o/r/issues/7/comments" {
                let b: Value = serde_json::from_str(&body).unwrap();
                let id = 1000 + f.comments.len() as u64;
                f.comments
                    .push((id, b["body"].as_str().unwrap().to_string()));
                (201, json!({"id": id}).to_string())
            } else if let (true, Some(id)) = (
                method == "PATCH",
                path.strip_prefix("/repos/o/r/issues/comments/"),
            ) {
                let id: u64 = id.parse().unwrap();
                let b: Value = serde_json::from_str(&body).unwrap();
                let c = f.comments.iter_mut().find(|c| c.0 == id).unwrap();
                c.1 = b["body"].as_str().unwrap().to_string();
                (200, json!({"id": id}).to_string())
            } else {
                (404, json!({"message": "Not Found"}).to_string())
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    url
}
