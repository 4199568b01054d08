//! The send pipeline shared by the WebSocket `send` op and REST sends: turns
//! a validated request into an `Outgoing` and routes it to the sender's or
//! recipient's entity.

use crate::node::Node;
use imcloud_actors::command::{Outgoing, RatePolicy};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{ChatType, SendAck, StoredMessage};
use imcloud_actors::{Command, DomainError};
use serde_json::Value;
use tokio::sync::oneshot;

/// What to send.
pub struct SendSpec {
    pub from: String,
    pub to: UserId,
    pub body: Value,
    pub ext: Option<Value>,
    pub client_msg_id: Option<String>,
    pub origin_session: Option<u64>,
}

fn outgoing(
    node: &Node,
    app: &AppKey,
    spec: SendSpec,
    sender_copy: bool,
    from_rest: bool,
    rate: RatePolicy,
) -> (
    Box<Outgoing>,
    oneshot::Receiver<Result<SendAck, DomainError>>,
) {
    let (tx, rx) = oneshot::channel();
    let sender = imcloud_shards::EntityKey::new(
        app.to_string(),
        imcloud_shards::EntityKind::User,
        spec.from.clone(),
    );
    let recipient = app.user_key(&spec.to);
    let message = StoredMessage {
        msg_id: 0,
        chat: ChatType::Single,
        from: spec.from,
        to: spec.to.to_string(),
        seq: 0,
        ts: 0,
        body: spec.body,
        ext: spec.ext,
    };
    let out = Box::new(Outgoing {
        message,
        sender,
        recipient,
        client_msg_id: spec.client_msg_id,
        origin_session: spec.origin_session,
        sender_copy,
        from_rest,
        rate,
        reply: tx,
        router: node.router.clone(),
    });
    (out, rx)
}

/// A user's 1:1 send from a device: through the sender's entity (rate limit,
/// idempotency, sender copy). Returns the receiver of the ack.
pub fn client_send(
    node: &Node,
    app: &AppKey,
    spec: SendSpec,
    rate: RatePolicy,
) -> oneshot::Receiver<Result<SendAck, DomainError>> {
    let (out, rx) = outgoing(node, app, spec, true, false, rate);
    let sender = out.sender.clone();
    // A refusal is answered through the ack channel.
    let _ = node.router.send(sender, Command::Send(out));
    rx
}

/// An app server's send. With `sender_copy` it goes through the sender's
/// entity like a client send (without the rate limit); otherwise straight to
/// the recipient.
pub async fn rest_send(
    node: &Node,
    app: &AppKey,
    spec: SendSpec,
    sender_copy: bool,
) -> Result<SendAck, DomainError> {
    let unlimited = RatePolicy {
        per_second: 0,
        burst: 0,
    };
    let (mut out, rx) = outgoing(node, app, spec, sender_copy, true, unlimited);
    let _ = if sender_copy {
        let sender = out.sender.clone();
        node.router.send(sender, Command::Send(out))
    } else {
        out.message.msg_id = node.env.msg_ids.next();
        out.message.ts = imcloud_actors::ids::now_ms();
        let recipient = out.recipient.clone();
        node.router.send(recipient, Command::Deliver(out))
    };
    node.wait(rx).await
}
