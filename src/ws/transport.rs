//! The seam between the socket loop and a WebSocket implementation: the
//! session reads [`Incoming`] frames and writes [`Outbound`] frames through
//! [`Transport`], so `/ws` on the HTTP port (actix-ws) and the lean listener
//! (`ws.listen`, tokio-tungstenite) run the same protocol.

use super::codec::Outbound;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ws_lean::tungstenite::error::{CapacityError, Error as WsError};
use ws_lean::tungstenite::protocol::frame::coding::CloseCode as LeanCode;
use ws_lean::tungstenite::protocol::CloseFrame;
use ws_lean::tungstenite::{Message, Utf8Bytes};
use ws_lean::WebSocketStream;

/// Close code: frame or message over `ws.max_frame_bytes`.
pub const CLOSE_TOO_LARGE: u16 = 1009;
/// Close code: not a valid WebSocket frame.
pub const CLOSE_PROTOCOL: u16 = 1002;
/// Close code: idle timeout.
pub const CLOSE_AWAY: u16 = 1001;

/// One frame (or failure) read from the peer.
pub enum Incoming {
    Text(Bytes),
    Binary(Bytes),
    Ping(Bytes),
    Pong,
    Close,
    TooLarge,
    Invalid,
}

/// The peer is gone; nothing more can be written.
pub struct Gone;

/// A close frame to send: code and reason.
pub type Close = Option<(u16, String)>;

/// What the socket loop needs from a WebSocket.
pub(crate) trait Transport {
    /// The next frame; `None` once the stream ended.
    async fn recv(&mut self) -> Option<Incoming>;
    async fn send(&mut self, frame: Outbound) -> Result<(), Gone>;
    async fn ping(&mut self) -> Result<(), Gone>;
    async fn pong(&mut self, payload: &[u8]) -> Result<(), Gone>;
    /// Sends a close frame, best effort.
    async fn close(self, close: Close);
}

/// `/ws` on the HTTP port.
pub struct ActixSocket {
    pub session: Session,
    pub stream: AggregatedMessageStream,
}

impl Transport for ActixSocket {
    async fn recv(&mut self) -> Option<Incoming> {
        Some(match self.stream.next().await? {
            Err(actix_ws::ProtocolError::Overflow) => Incoming::TooLarge,
            Err(_) => Incoming::Invalid,
            Ok(AggregatedMessage::Close(_)) => Incoming::Close,
            Ok(AggregatedMessage::Ping(p)) => Incoming::Ping(p),
            Ok(AggregatedMessage::Pong(_)) => Incoming::Pong,
            Ok(AggregatedMessage::Text(t)) => Incoming::Text(t.into_bytes()),
            Ok(AggregatedMessage::Binary(b)) => Incoming::Binary(b),
        })
    }

    async fn send(&mut self, frame: Outbound) -> Result<(), Gone> {
        match frame {
            Outbound::Text(t) => self.session.text(t).await,
            Outbound::Binary(b) => self.session.binary(b).await,
        }
        .map_err(|_| Gone)
    }

    async fn ping(&mut self) -> Result<(), Gone> {
        self.session.ping(b"").await.map_err(|_| Gone)
    }

    async fn pong(&mut self, payload: &[u8]) -> Result<(), Gone> {
        self.session.pong(payload).await.map_err(|_| Gone)
    }

    async fn close(self, close: Close) {
        let reason = close.map(|(code, text)| CloseReason {
            code: match code {
                CLOSE_TOO_LARGE => CloseCode::Size,
                CLOSE_PROTOCOL => CloseCode::Protocol,
                CLOSE_AWAY => CloseCode::Away,
                other => CloseCode::Other(other),
            },
            description: Some(text).filter(|t| !t.is_empty()),
        });
        // The peer may already be gone.
        let _ = self.session.close(reason).await;
    }
}

/// A socket of the lean listener. tungstenite answers pings itself.
pub type LeanSocket = WebSocketStream<tokio::net::TcpStream>;

impl Transport for LeanSocket {
    async fn recv(&mut self) -> Option<Incoming> {
        Some(match self.next().await? {
            Err(WsError::Capacity(CapacityError::MessageTooLong { .. })) => Incoming::TooLarge,
            Err(WsError::ConnectionClosed | WsError::AlreadyClosed | WsError::Io(_)) => {
                return None
            }
            Err(_) => Incoming::Invalid,
            Ok(Message::Close(_)) => Incoming::Close,
            Ok(Message::Ping(p)) => Incoming::Ping(p),
            Ok(Message::Pong(_)) => Incoming::Pong,
            Ok(Message::Text(t)) => Incoming::Text(Bytes::from(t)),
            Ok(Message::Binary(b)) => Incoming::Binary(b),
            Ok(Message::Frame(_)) => Incoming::Invalid,
        })
    }

    async fn send(&mut self, frame: Outbound) -> Result<(), Gone> {
        let msg = match frame {
            Outbound::Text(t) => match Utf8Bytes::try_from(t.into_bytes()) {
                Ok(t) => Message::Text(t),
                // Cannot happen: `ByteString` is UTF-8.
                Err(_) => return Ok(()),
            },
            Outbound::Binary(b) => Message::Binary(b),
        };
        SinkExt::send(self, msg).await.map_err(|_| Gone)
    }

    async fn ping(&mut self) -> Result<(), Gone> {
        SinkExt::send(self, Message::Ping(Bytes::new()))
            .await
            .map_err(|_| Gone)
    }

    async fn pong(&mut self, _payload: &[u8]) -> Result<(), Gone> {
        // tungstenite queued the pong when it read the ping.
        Ok(())
    }

    async fn close(mut self, close: Close) {
        let frame = close.map(|(code, text)| CloseFrame {
            code: LeanCode::from(code),
            reason: text.into(),
        });
        // The peer may already be gone.
        let _ = SinkExt::send(&mut self, Message::Close(frame)).await;
        // Flushes the close; the peer may already be gone.
        let _ = SinkExt::close(&mut self).await;
        linger(self.get_mut()).await;
    }
}

/// How long and how much a closed lean socket still reads.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

/// Ends our side and reads what the peer still sends (the rest of an
/// oversized frame, its close reply) until it closes too, within bounds:
/// unread data at close makes the kernel answer with a reset, which can
/// reach the peer before our close frame and swallow its code.
async fn linger(tcp: &mut tokio::net::TcpStream) {
    let _ = tcp.shutdown().await;
    let mut buf = [0u8; 4096];
    let mut left = LINGER_BYTES;
    let drain = async {
        while left > 0 {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    // A peer that never closes is left after LINGER.
    let _ = tokio::time::timeout(LINGER, drain).await;
}
