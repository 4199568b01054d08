//! [`H2Receiver`]: an HTTP/2 server without TLS (h2c, prior knowledge) on
//! loopback, standing for APNs in push tests: it records each request
//! (path, headers, JSON body) and answers as the test says.

use crate::receiver::{Received, Reply};
use bytes::Bytes;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

type Answer = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

pub struct H2Receiver {
    pub addr: SocketAddr,
    requests: mpsc::UnboundedReceiver<Received>,
    answer: Arc<Mutex<Answer>>,
    tasks: JoinSet<()>,
}

impl H2Receiver {
    pub async fn start() -> H2Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind h2c");
        let addr = listener.local_addr().expect("h2c addr");
        let (tx, requests) = mpsc::unbounded_channel();
        let default: Answer = Arc::new(|_| Reply::ok(""));
        let answer = Arc::new(Mutex::new(default));
        let mut tasks = JoinSet::new();
        let a = answer.clone();
        tasks.spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        conns.spawn(serve(socket, tx.clone(), a.clone()));
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        H2Receiver {
            addr,
            requests,
            answer,
            tasks,
        }
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn answer(&self, answer: impl Fn(&Received) -> Reply + Send + Sync + 'static) {
        if let Ok(mut a) = self.answer.lock() {
            *a = Arc::new(answer);
        }
    }

    pub async fn next(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.requests.recv())
            .await
            .ok()
            .flatten()
    }

    pub fn try_next(&mut self) -> Option<Received> {
        self.requests.try_recv().ok()
    }
}

impl Drop for H2Receiver {
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

async fn serve(
    socket: tokio::net::TcpStream,
    sender: mpsc::UnboundedSender<Received>,
    answer: Arc<Mutex<Answer>>,
) {
    let Ok(mut conn) = h2::server::handshake(socket).await else {
        return;
    };
    // The connection is polled here all along (h2 makes no progress on a
    // stream otherwise); each request is answered by its own task.
    let mut streams = JoinSet::new();
    while let Some(Ok((request, respond))) = conn.accept().await {
        streams.spawn(answer_one(request, respond, sender.clone(), answer.clone()));
    }
}

async fn answer_one(
    request: http::Request<h2::RecvStream>,
    mut respond: h2::server::SendResponse<Bytes>,
    sender: mpsc::UnboundedSender<Received>,
    answer: Arc<Mutex<Answer>>,
) {
    let (parts, mut body) = request.into_parts();
    let mut raw = Vec::new();
    while let Some(chunk) = body.data().await {
        let Ok(chunk) = chunk else { return };
        let _ = body.flow_control().release_capacity(chunk.len());
        raw.extend_from_slice(&chunk);
    }
    let received = Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    };
    let reply = match answer.lock() {
        Ok(a) => (a.clone())(&received),
        Err(_) => Reply::ok(""),
    };
    let _ = sender.send(received);
    let Ok(response) = http::Response::builder().status(reply.status).body(()) else {
        return;
    };
    let end = reply.body.is_empty();
    let Ok(mut stream) = respond.send_response(response, end) else {
        return;
    };
    if !end {
        let _ = stream.send_data(Bytes::from(reply.body), true);
    }
}
