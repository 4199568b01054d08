//! [`Receiver`]: a real HTTP/1.1 server on loopback that stands for an
//! app's server in callback tests. It records every request (method,
//! path, headers, JSON body) on a channel the test reads, and answers as
//! the test's [`Answer`] says (status, body, delay). It can go down (its
//! port refuses connections) and come back on the same port.

use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` if it is not JSON).
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the receiver answers a request: status, body, and a wait first.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }
}

pub type Answer = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// The loopback server. Dropping it stops it.
pub struct Receiver {
    pub addr: SocketAddr,
    requests: mpsc::UnboundedReceiver<Received>,
    sender: mpsc::UnboundedSender<Received>,
    answer: Arc<Mutex<Answer>>,
    tasks: Option<JoinSet<()>>,
}

impl Receiver {
    /// Starts on a free loopback port, answering `200 {}` until told
    /// otherwise.
    pub async fn start() -> Receiver {
        let (sender, requests) = mpsc::unbounded_channel();
        let answer: Answer = Arc::new(|_| Reply::ok("{}"));
        let mut r = Receiver {
            addr: "127.0.0.1:0".parse().expect("addr"),
            requests,
            sender,
            answer: Arc::new(Mutex::new(answer)),
            tasks: None,
        };
        r.up().await;
        r
    }

    /// `http://ADDR/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers every request from now on with `answer`.
    pub fn answer(&self, answer: impl Fn(&Received) -> Reply + Send + Sync + 'static) {
        if let Ok(mut a) = self.answer.lock() {
            *a = Arc::new(answer);
        }
    }

    /// Stops listening and drops every open connection: the port refuses.
    pub fn down(&mut self) {
        if let Some(mut tasks) = self.tasks.take() {
            tasks.abort_all();
        }
    }

    /// Listens again, on the same port once it had one.
    pub async fn up(&mut self) {
        self.down();
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("bind the receiver");
        self.addr = listener.local_addr().expect("receiver addr");
        let mut tasks = JoinSet::new();
        let (sender, answer) = (self.sender.clone(), self.answer.clone());
        tasks.spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        conns.spawn(serve(stream, sender.clone(), answer.clone()));
                    }
                    // Reaps ended connections; aborting this task aborts them all.
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        self.tasks = Some(tasks);
    }

    /// The next request, if one comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.requests.recv())
            .await
            .ok()
            .flatten()
    }

    /// A request that came already, if any.
    pub fn try_next(&mut self) -> Option<Received> {
        self.requests.try_recv().ok()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.down();
    }
}

async fn serve(
    stream: TcpStream,
    sender: mpsc::UnboundedSender<Received>,
    answer: Arc<Mutex<Answer>>,
) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            match reader.read_line(&mut h).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                if k == "content-length" {
                    length = v.parse().unwrap_or(0);
                }
                headers.push((k, v));
            }
        }
        let mut raw = vec![0u8; length];
        if reader.read_exact(&mut raw).await.is_err() {
            return;
        }
        let received = Received {
            method,
            path,
            headers,
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
            raw,
        };
        let reply = match answer.lock() {
            Ok(a) => (a.clone())(&received),
            Err(_) => Reply::ok("{}"),
        };
        let _ = sender.send(received);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let out = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
            reply.status,
            reply.body.len(),
            reply.body
        );
        if reader.get_mut().write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}
