//! Merging a device's receipts. `read` and `delivered` are marks: a read
//! (or delivery) up to a message covers every earlier one of the
//! conversation. So while one receipt of a device for a conversation is
//! on its way to the entities, the next ones for it wait, and go as one
//! receipt for the newest of them when it is back. A device acking every
//! message of a burst costs the entities one step per round trip, not one
//! per message; a device acking now and then is not delayed at all.
//!
//! Each merged receipt runs in a task of its own, so a socket that closes
//! with receipts waiting still delivers them. Should a merged receipt
//! fail (a `read` of an unknown msg_id among them), each waiting one is
//! asked again on its own, so one bad receipt fails only itself.

use futures_util::future::BoxFuture;
use imcloud_actors::message::ChatType;
use imcloud_actors::DomainError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// What a receipt says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    Delivered,
    Read,
}

/// Which receipts merge: one mark of one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptOf {
    pub mark: Mark,
    pub chat: ChatType,
    pub with: String,
}

/// Asks the entities for a receipt up to a msg id (`None`: a read of
/// everything).
pub type Ask =
    Arc<dyn Fn(Option<u64>) -> BoxFuture<'static, Result<(), DomainError>> + Send + Sync>;

type Waiter = (Option<u64>, oneshot::Sender<Result<(), DomainError>>);

/// Receipts waiting behind the one in flight, per conversation.
#[derive(Clone, Default)]
pub struct Receipts {
    in_flight: Arc<Mutex<HashMap<ReceiptOf, Vec<Waiter>>>>,
}

/// The newer of two marks (`None`, everything, is the newest).
fn newest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    }
}

impl Receipts {
    /// Sends the receipt up to `msg_id` for `conv` through `ask`, now or
    /// merged with the next; resolves once it (or the merged one holding
    /// it) is answered.
    pub fn submit(
        &self,
        conv: ReceiptOf,
        msg_id: Option<u64>,
        ask: Ask,
    ) -> impl std::future::Future<Output = Result<(), DomainError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let start = match self.in_flight.lock() {
            Ok(mut map) => match map.get_mut(&conv) {
                Some(waiting) => {
                    waiting.push((msg_id, tx));
                    None
                }
                None => {
                    map.insert(conv.clone(), Vec::new());
                    Some(tx)
                }
            },
            // A poisoned map: no merging, this one goes alone.
            Err(_) => {
                let fut = ask(msg_id);
                tokio::spawn(async move {
                    let _ = tx.send(fut.await);
                });
                None
            }
        };
        if let Some(tx) = start {
            let receipts = self.clone();
            tokio::spawn(receipts.drive(conv, vec![(msg_id, tx)], ask));
        }
        async move { rx.await.unwrap_or(Err(DomainError::Internal)) }
    }

    /// Sends `batch` as one receipt, then whatever waited meanwhile, until
    /// nothing waits for `conv`.
    async fn drive(self, conv: ReceiptOf, mut batch: Vec<Waiter>, ask: Ask) {
        loop {
            let mark = batch.iter().map(|(m, _)| *m).reduce(newest).flatten();
            let merged = ask(mark).await;
            match merged {
                Err(_) if batch.len() > 1 => {
                    for (m, tx) in batch.drain(..) {
                        let _ = tx.send(ask(m).await);
                    }
                }
                result => {
                    for (_, tx) in batch.drain(..) {
                        let _ = tx.send(result.clone());
                    }
                }
            }
            let Ok(mut map) = self.in_flight.lock() else {
                return;
            };
            match map.get_mut(&conv) {
                Some(waiting) if !waiting.is_empty() => batch = std::mem::take(waiting),
                _ => {
                    map.remove(&conv);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn receipts_behind_one_in_flight_go_as_one_for_the_newest() {
        let receipts = Receipts::default();
        let (gate_tx, gate_rx) = tokio::sync::watch::channel(false);
        let asked = Arc::new(Mutex::new(Vec::new()));
        let ask: Ask = {
            let asked = asked.clone();
            Arc::new(move |m| {
                asked.lock().unwrap().push(m);
                let mut gate = gate_rx.clone();
                Box::pin(async move {
                    while !*gate.borrow() {
                        if gate.changed().await.is_err() {
                            break;
                        }
                    }
                    if m == Some(666) {
                        Err(DomainError::MessageNotFound)
                    } else {
                        Ok(())
                    }
                })
            })
        };
        let conv = ReceiptOf {
            mark: Mark::Read,
            chat: ChatType::Single,
            with: "bob".into(),
        };
        let first = receipts.submit(conv.clone(), Some(1), ask.clone());
        tokio::task::yield_now().await;
        let later: Vec<_> = [3, 2, 4]
            .into_iter()
            .map(|m| receipts.submit(conv.clone(), Some(m), ask.clone()))
            .collect();
        gate_tx.send(true).unwrap();
        assert_eq!(first.await, Ok(()));
        for r in later {
            assert_eq!(r.await, Ok(()));
        }
        assert_eq!(*asked.lock().unwrap(), vec![Some(1), Some(4)]);

        // A bad one merged with good ones fails alone.
        asked.lock().unwrap().clear();
        let hold = receipts.submit(conv.clone(), Some(5), ask.clone());
        let bad = receipts.submit(conv.clone(), Some(666), ask.clone());
        let good = receipts.submit(conv.clone(), Some(6), ask.clone());
        assert_eq!(hold.await, Ok(()));
        assert_eq!(bad.await, Err(DomainError::MessageNotFound));
        assert_eq!(good.await, Ok(()));
        assert_eq!(
            *asked.lock().unwrap(),
            vec![Some(5), Some(666), Some(666), Some(6)]
        );
    }
}
