//! Replies. A command never carries its answer channel: the router keeps a
//! [`ReplyTo`] beside the command, on the caller's side, so the command
//! itself stays plain data that could cross a network. The entity answers
//! through its step (`StepCtx::reply`), and the answer travels back as the
//! reply itself (in-process) or as bytes (the encode-everything mode, and a
//! cluster's network).
//!
//! A `ReplyTo` always answers exactly once: dropped unanswered (a step that
//! panicked, an action dropped with a failed flush, a bug), it answers
//! [`ShardError::NoReply`], so no caller and no asking entity waits forever.

use crate::error::ShardError;
use crate::wire;
use serde::{de::DeserializeOwned, Serialize};
use std::any::Any;
use tokio::sync::oneshot;

/// An answer on its way back.
pub enum Payload {
    /// The reply as the entity made it (one process, plain mode).
    Value(Box<dyn Any + Send>),
    /// The reply encoded by [`wire`] (encode-everything mode).
    Bytes(Vec<u8>),
    /// No reply: why the command failed on its way.
    Failed(ShardError),
}

enum Target {
    /// An async caller awaits it.
    Caller(oneshot::Sender<Payload>),
    /// An entity asked; this turns the answer into a command back to it.
    Then(Box<dyn FnOnce(Payload) + Send>),
}

/// Where the answer to one command goes.
pub struct ReplyTo {
    to: Option<Target>,
    encode: bool,
}

impl ReplyTo {
    /// A reply for an async caller, and the receiver it waits on.
    pub(crate) fn caller(encode: bool) -> (ReplyTo, oneshot::Receiver<Payload>) {
        let (tx, rx) = oneshot::channel();
        (
            ReplyTo {
                to: Some(Target::Caller(tx)),
                encode,
            },
            rx,
        )
    }

    /// A reply that runs `then` with the answer (on the answering thread).
    pub(crate) fn then(encode: bool, then: impl FnOnce(Payload) + Send + 'static) -> ReplyTo {
        ReplyTo {
            to: Some(Target::Then(Box::new(then))),
            encode,
        }
    }

    /// Answers with `reply`, a `Result<T, E>` the caller expects.
    pub fn send<R: Serialize + Send + 'static>(mut self, reply: R) {
        let payload = if self.encode {
            match wire::encode(&reply) {
                Ok(bytes) => Payload::Bytes(bytes),
                Err(e) => {
                    tracing::error!(error = %e, "a reply does not encode");
                    Payload::Failed(ShardError::Codec)
                }
            }
        } else {
            Payload::Value(Box::new(reply))
        };
        self.deliver(payload);
    }

    /// Answers with a payload that came back from another node.
    pub(crate) fn answer(mut self, payload: Payload) {
        self.deliver(payload);
    }

    /// Answers that the command failed on its way.
    pub fn fail(mut self, err: ShardError) {
        self.deliver(Payload::Failed(err));
    }

    fn deliver(&mut self, payload: Payload) {
        match self.to.take() {
            // The caller may have stopped waiting (timeout, closed socket).
            Some(Target::Caller(tx)) => drop(tx.send(payload)),
            Some(Target::Then(then)) => then(payload),
            None => {}
        }
    }
}

impl Drop for ReplyTo {
    fn drop(&mut self) {
        self.deliver(Payload::Failed(ShardError::NoReply));
    }
}

/// The `Result<T, E>` inside `payload`; a payload of another type (a bug:
/// the entity answered a different reply than the caller expects) is
/// logged and answered as [`ShardError::Codec`].
pub fn open<T, E>(payload: Payload) -> Result<T, E>
where
    T: DeserializeOwned + 'static,
    E: DeserializeOwned + From<ShardError> + 'static,
{
    match payload {
        Payload::Value(any) => match any.downcast::<Result<T, E>>() {
            Ok(reply) => *reply,
            Err(_) => {
                tracing::error!(
                    expected = std::any::type_name::<T>(),
                    "a reply of another type than its caller expects"
                );
                Err(ShardError::Codec.into())
            }
        },
        Payload::Bytes(bytes) => wire::decode::<Result<T, E>>(&bytes).unwrap_or_else(|e| {
            tracing::error!(expected = std::any::type_name::<T>(), error = %e, "a reply does not decode");
            Err(ShardError::Codec.into())
        }),
        Payload::Failed(err) => Err(err.into()),
    }
}

/// Waits for the answer on `rx` (a closed channel is [`ShardError::NoReply`]).
pub async fn wait<T, E>(rx: oneshot::Receiver<Payload>) -> Result<T, E>
where
    T: DeserializeOwned + 'static,
    E: DeserializeOwned + From<ShardError> + 'static,
{
    match rx.await {
        Ok(payload) => open(payload),
        Err(_) => Err(ShardError::NoReply.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Oops {
        Shard(ShardError),
    }
    impl From<ShardError> for Oops {
        fn from(e: ShardError) -> Self {
            Oops::Shard(e)
        }
    }

    fn answer_through(encode: bool) -> Result<Vec<String>, Oops> {
        let (reply, mut rx) = ReplyTo::caller(encode);
        reply.send(Ok::<_, Oops>(vec!["a".to_string()]));
        open(rx.try_recv().expect("answered"))
    }

    #[test]
    fn a_reply_arrives_as_itself_or_through_its_encoding() {
        assert_eq!(answer_through(false), Ok(vec!["a".to_string()]));
        assert_eq!(answer_through(true), Ok(vec!["a".to_string()]));
    }

    #[test]
    fn a_reply_dropped_unanswered_says_so_and_a_wrong_type_is_an_error() {
        let (reply, mut rx) = ReplyTo::caller(false);
        drop(reply);
        let r: Result<u8, Oops> = open(rx.try_recv().expect("answered by drop"));
        assert_eq!(r, Err(Oops::Shard(ShardError::NoReply)));
        let (reply, mut rx) = ReplyTo::caller(false);
        reply.send(Ok::<_, Oops>("text"));
        let r: Result<u8, Oops> = open(rx.try_recv().expect("answered"));
        assert_eq!(r, Err(Oops::Shard(ShardError::Codec)));
    }

    #[test]
    fn a_continuation_runs_once_with_the_answer() {
        let (tx, rx) = std::sync::mpsc::channel();
        let reply = ReplyTo::then(true, move |p| {
            tx.send(open::<u32, Oops>(p)).expect("test waits");
        });
        reply.send(Ok::<u32, Oops>(7));
        assert_eq!(rx.recv().expect("ran"), Ok(7));
        assert!(rx.try_recv().is_err(), "ran once");
    }
}
