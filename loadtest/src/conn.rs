//! Opening a WebSocket to the server and logging in. A connection can be
//! made from a chosen 127.0.0.x source address, so one harness can hold
//! more sockets than one address has ephemeral ports.

use crate::target::Target;
use crate::wire::{self, Encoding};
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// An open client WebSocket.
pub type Ws = WebSocketStream<TcpStream>;

/// Longest wait for TCP connect + handshake + auth reply.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(15);

/// Small buffers: the `connect` scenario holds tens of thousands of these.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig {
        write_buffer_size: 16 * 1024,
        max_write_buffer_size: 4 * 1024 * 1024,
        max_message_size: Some(1 << 20),
        max_frame_size: Some(1 << 20),
        ..WebSocketConfig::default()
    }
}

/// TCP connect (from `source` when given) and WebSocket handshake.
/// The nodes of a cluster target take sockets in turn.
pub async fn open(target: &Target, source: Option<Ipv4Addr>) -> Result<Ws, Error> {
    let (url, addr) = target.next_socket();
    let stream = match (source, addr) {
        (Some(ip), SocketAddr::V4(_)) => {
            let sock = TcpSocket::new_v4()?;
            sock.bind(SocketAddr::from((ip, 0)))?;
            sock.connect(addr).await?
        }
        _ => TcpStream::connect(addr).await?,
    };
    // Latency is measured per message: do not let Nagle batch frames.
    stream.set_nodelay(true)?;
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config())).await?;
    Ok(ws)
}

/// Sends `auth` and waits for its reply; the error names the server's code.
pub async fn auth(
    ws: &mut Ws,
    appkey: &str,
    user: &str,
    device: &str,
    enc: Encoding,
) -> Result<(), Error> {
    let frame = wire::auth_frame(appkey, user, &crate::password_for(user), device, enc)
        .map_err(Error::Ws)?;
    request(ws, frame, wire::AUTH_ID, &format!("auth of {user}")).await
}

/// Sends `frame` and waits for the reply with request id `id`, skipping
/// pushes; `what` names the request in errors.
pub async fn request(ws: &mut Ws, frame: Message, id: &str, what: &str) -> Result<(), Error> {
    ws.send(frame).await?;
    while let Some(msg) = ws.next().await {
        let msg = msg?;
        let Some(reply) = wire::decode(&msg) else {
            continue;
        };
        if reply.id.as_deref() != Some(id) {
            continue;
        }
        return match (reply.ok, reply.error) {
            (Some(true), _) => Ok(()),
            (_, Some(e)) => Err(Error::Server(format!("{what} failed with code {}", e.code))),
            _ => Err(Error::Server(format!("{what}: malformed reply"))),
        };
    }
    Err(Error::Ws(format!(
        "socket closed before the reply to {what}"
    )))
}

/// [`open`] + [`auth`] within [`LOGIN_TIMEOUT`].
pub async fn login(
    target: &Target,
    user: &str,
    device: &str,
    enc: Encoding,
    source: Option<Ipv4Addr>,
) -> Result<Ws, Error> {
    let go = async {
        let mut ws = open(target, source).await?;
        auth(&mut ws, &target.appkey, user, device, enc).await?;
        Ok(ws)
    };
    tokio::time::timeout(LOGIN_TIMEOUT, go)
        .await
        .map_err(|_| Error::Timeout(format!("login of {user}")))?
}
