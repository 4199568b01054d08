//! Merging a device's receipts. `read` and `delivered` are marks: a read
//! (or delivery) up to a message covers every earlier one of the
//! conversation. So while one receipt of a device for a conversation is
//! on its way to the entities, the next ones for it wait, and go as one
//! receipt for the newest of them when it is back. A device acking every
//! message of a burst costs the entities one step per round trip, not one
//! per message; a device acking now and then is not delayed at all.
//!
//! A `delivered` that finds a `read` of the same conversation covering it
//! on its way (acking a message usually sends both at once) rides on that
//! read: the read records the delivery too, so the delivery costs no step
//! of its own and the sender's devices get the `read` receipt only.
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

/// A delivery that rides on a read of the same conversation: a read at or
/// past it records the delivery too (the peer's `peer_delivered` moves
/// with `peer_read`), so it is answered by that read instead of a step of
/// its own. Should no read cover it, or the read fail, it is asked alone.
struct Rider {
    mark: u64,
    tx: oneshot::Sender<Result<(), DomainError>>,
    ask: Ask,
}

/// One conversation's receipts of one mark.
#[derive(Default)]
struct Slot {
    /// The mark of the receipt on its way, once it is asked.
    flying: Option<Option<u64>>,
    waiting: Vec<Waiter>,
    /// Read slots: the deliveries riding on them.
    riders: Vec<Rider>,
}

/// Receipts waiting behind the one in flight, per conversation.
#[derive(Clone, Default)]
pub struct Receipts {
    in_flight: Arc<Mutex<HashMap<ReceiptOf, Slot>>>,
    /// How long a receipt waits for the next ones of its conversation
    /// before it goes (zero: it goes at once).
    linger: std::time::Duration,
}

/// Resolves once a submitted receipt (or the merged one holding it) is
/// answered.
pub struct Answered(oneshot::Receiver<Result<(), DomainError>>);

impl std::future::Future for Answered {
    type Output = Result<(), DomainError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        // A sender dropped unanswered is a bug in the merging, not a reason.
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(DomainError::Internal)))
    }
}

/// The newer of two marks (`None`, everything, is the newest).
fn newest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    }
}

/// Whether a read up to `read` covers a delivery up to `delivered`.
fn covers(read: Option<u64>, delivered: u64) -> bool {
    read.is_none_or(|r| r >= delivered)
}

impl Receipts {
    /// Receipts that wait `linger` for the next ones before they go.
    pub fn with_linger(linger: std::time::Duration) -> Receipts {
        Receipts {
            linger,
            ..Receipts::default()
        }
    }

    /// Sends the receipt up to `msg_id` for `conv` through the `Ask` that
    /// `ask` makes (made only when this receipt is the first of its
    /// conversation to go: the merged ones share it), now or merged with
    /// the next; resolves once it (or the merged one holding it) is
    /// answered.
    pub fn submit(
        &self,
        conv: ReceiptOf,
        msg_id: Option<u64>,
        ask: impl FnOnce() -> Ask,
    ) -> Answered {
        let (tx, rx) = oneshot::channel();
        let start = match self.in_flight.lock() {
            Ok(mut map) => match map.get_mut(&conv) {
                Some(slot) => {
                    slot.waiting.push((msg_id, tx));
                    None
                }
                None => {
                    map.insert(conv.clone(), Slot::default());
                    Some(tx)
                }
            },
            // A poisoned map: no merging, this one goes alone.
            Err(_) => {
                let fut = ask()(msg_id);
                tokio::spawn(async move {
                    let _ = tx.send(fut.await);
                });
                return Answered(rx);
            }
        };
        if let Some(tx) = start {
            let receipts = self.clone();
            tokio::spawn(receipts.drive(conv, vec![(msg_id, tx)], ask()));
        }
        Answered(rx)
    }

    /// Marks the receipt of `conv` as on its way up to `mark`, and moves
    /// what waits for `conv` into `batch`, if given.
    fn set_flying(&self, conv: &ReceiptOf, mark: Option<u64>, batch: Option<&mut Vec<Waiter>>) {
        if let Ok(mut map) = self.in_flight.lock() {
            if let Some(slot) = map.get_mut(conv) {
                slot.flying = Some(mark);
                if let Some(batch) = batch {
                    batch.append(&mut slot.waiting);
                }
            }
        }
    }

    /// Hands `batch` (deliveries up to `mark`) to a read of the same
    /// conversation that covers it, if one is on its way or waiting.
    fn ride(&self, conv: &ReceiptOf, mark: u64, batch: &mut Vec<Waiter>, ask: &Ask) -> bool {
        let read = ReceiptOf {
            mark: Mark::Read,
            ..conv.clone()
        };
        let Ok(mut map) = self.in_flight.lock() else {
            return false;
        };
        let Some(slot) = map.get_mut(&read) else {
            return false;
        };
        let covered = slot.flying.is_some_and(|f| covers(f, mark))
            || slot.waiting.iter().any(|(m, _)| covers(*m, mark));
        if covered {
            slot.riders.extend(batch.drain(..).map(|(m, tx)| Rider {
                mark: m.unwrap_or(mark),
                tx,
                ask: ask.clone(),
            }));
        }
        covered
    }

    /// Sends `batch` as one receipt, then whatever waited meanwhile, until
    /// nothing waits for `conv`.
    async fn drive(self, conv: ReceiptOf, mut batch: Vec<Waiter>, ask: Ask) {
        loop {
            let mut mark = batch.iter().map(|(m, _)| *m).reduce(newest).flatten();
            self.set_flying(&conv, mark, None);
            if !self.linger.is_zero() {
                // Receipts are marks: the ones that come meanwhile go
                // with this one, as one for the newest.
                tokio::time::sleep(self.linger).await;
                self.set_flying(&conv, mark, Some(&mut batch));
                mark = batch.iter().map(|(m, _)| *m).reduce(newest).flatten();
                self.set_flying(&conv, mark, None);
            }
            let mut result = None;
            let delivered = mark.filter(|_| conv.mark == Mark::Delivered);
            let rode = match delivered {
                Some(d) => {
                    // A read sent right after this delivery (acking a
                    // message usually sends both) registers first.
                    tokio::task::yield_now().await;
                    self.ride(&conv, d, &mut batch, &ask)
                }
                None => false,
            };
            if !rode {
                result = Some(ask(mark).await);
            }
            // What waited meanwhile, and the riders this read answers.
            let (next, riders, done) = match self.in_flight.lock() {
                Ok(mut map) => {
                    let (next, riders) = match map.get_mut(&conv) {
                        Some(slot) => {
                            slot.flying = None;
                            let answered = matches!(result, Some(Ok(())));
                            let (covered, rest): (Vec<_>, Vec<_>) =
                                std::mem::take(&mut slot.riders)
                                    .into_iter()
                                    .partition(|r| answered && covers(mark, r.mark));
                            slot.riders = rest;
                            (std::mem::take(&mut slot.waiting), covered)
                        }
                        None => (Vec::new(), Vec::new()),
                    };
                    let done = next.is_empty();
                    let left = if done {
                        map.remove(&conv).map(|s| s.riders).unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    (next, riders, (done, left))
                }
                Err(_) => (Vec::new(), Vec::new(), (true, Vec::new())),
            };
            if let Some(result) = result {
                answer(&mut batch, &ask, result).await;
            }
            for r in riders {
                let _ = r.tx.send(Ok(()));
            }
            let (done, left) = done;
            // Riders no read covered go on their own.
            for r in left {
                let _ = r.tx.send((r.ask)(Some(r.mark)).await);
            }
            if done {
                return;
            }
            batch = next;
        }
    }
}

/// Answers `batch` with the merged receipt's `result`; a failed merge of
/// several is asked again one by one.
async fn answer(batch: &mut Vec<Waiter>, ask: &Ask, result: Result<(), DomainError>) {
    match result {
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
        let first = receipts.submit(conv.clone(), Some(1), || ask.clone());
        tokio::task::yield_now().await;
        let later: Vec<_> = [3, 2, 4]
            .into_iter()
            .map(|m| receipts.submit(conv.clone(), Some(m), || ask.clone()))
            .collect();
        gate_tx.send(true).unwrap();
        assert_eq!(first.await, Ok(()));
        for r in later {
            assert_eq!(r.await, Ok(()));
        }
        assert_eq!(*asked.lock().unwrap(), vec![Some(1), Some(4)]);

        // A bad one merged with good ones fails alone.
        asked.lock().unwrap().clear();
        let hold = receipts.submit(conv.clone(), Some(5), || ask.clone());
        let bad = receipts.submit(conv.clone(), Some(666), || ask.clone());
        let good = receipts.submit(conv.clone(), Some(6), || ask.clone());
        assert_eq!(hold.await, Ok(()));
        assert_eq!(bad.await, Err(DomainError::MessageNotFound));
        assert_eq!(good.await, Ok(()));
        assert_eq!(
            *asked.lock().unwrap(),
            vec![Some(5), Some(666), Some(666), Some(6)]
        );
    }

    /// The receipts asked, by name and mark.
    type Log = Arc<Mutex<Vec<(&'static str, Option<u64>)>>>;

    /// An `Ask` that records the marks asked, with a name.
    fn recording(name: &'static str, log: &Log) -> Ask {
        let log = log.clone();
        Arc::new(move |m| {
            log.lock().unwrap().push((name, m));
            // On its way for a while, as a real one is.
            Box::pin(async {
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                Ok(())
            })
        })
    }

    #[tokio::test(start_paused = true)]
    async fn receipts_within_the_linger_go_as_one_and_a_delivery_rides_on_the_read() {
        let receipts = Receipts::with_linger(std::time::Duration::from_millis(20));
        let log = Arc::new(Mutex::new(Vec::new()));
        let of = |mark| ReceiptOf {
            mark,
            chat: ChatType::Single,
            with: "bob".into(),
        };
        let first = receipts.submit(of(Mark::Read), Some(1), || recording("read", &log));
        tokio::time::advance(std::time::Duration::from_millis(5)).await;
        let delivered = receipts.submit(of(Mark::Delivered), Some(3), || {
            recording("delivered", &log)
        });
        let newer = receipts.submit(of(Mark::Read), Some(3), || recording("read", &log));
        let older = receipts.submit(of(Mark::Read), Some(2), || recording("read", &log));
        for r in [first.await, delivered.await, newer.await, older.await] {
            assert_eq!(r, Ok(()));
        }
        assert_eq!(*log.lock().unwrap(), vec![("read", Some(3))]);

        // One after the window goes on its own.
        let later = receipts.submit(of(Mark::Read), Some(4), || recording("read", &log));
        assert_eq!(later.await, Ok(()));
        assert_eq!(
            *log.lock().unwrap(),
            vec![("read", Some(3)), ("read", Some(4))]
        );
    }

    #[tokio::test]
    async fn a_delivery_followed_by_a_read_of_it_rides_on_the_read() {
        let receipts = Receipts::default();
        let log = Arc::new(Mutex::new(Vec::new()));
        let of = |mark| ReceiptOf {
            mark,
            chat: ChatType::Single,
            with: "bob".into(),
        };
        let delivered = receipts.submit(of(Mark::Delivered), Some(7), || {
            recording("delivered", &log)
        });
        let read = receipts.submit(of(Mark::Read), Some(7), || recording("read", &log));
        assert_eq!(delivered.await, Ok(()));
        assert_eq!(read.await, Ok(()));
        assert_eq!(*log.lock().unwrap(), vec![("read", Some(7))]);

        // Alone, or with a read of an older message only, it goes itself.
        log.lock().unwrap().clear();
        let delivered = receipts.submit(of(Mark::Delivered), Some(9), || {
            recording("delivered", &log)
        });
        let read = receipts.submit(of(Mark::Read), Some(8), || recording("read", &log));
        assert_eq!(delivered.await, Ok(()));
        assert_eq!(read.await, Ok(()));
        let mut asked = log.lock().unwrap().clone();
        asked.sort();
        assert_eq!(asked, vec![("delivered", Some(9)), ("read", Some(8))]);
    }
}
