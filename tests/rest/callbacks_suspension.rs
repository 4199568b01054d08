//! A post-send rule whose receiver keeps failing is suspended per §8.3
//! (`suspend_failures` failed requests within `suspend_window_secs`
//! suspend it for `suspend_secs` × n, n its suspensions within 24 h),
//! end to end on a manual clock so the numbers are exact and the test
//! takes seconds: nothing is sent while it is suspended, events keep
//! queueing on disk, and once the suspension is over every event
//! arrives, in order, once; with the default `drop_while_suspended`
//! the events that happened during it are dropped and counted instead.

use super::callbacks::{add_rule, post_rule, text_of};
use super::*;
use crate::common::{eventually, Receiver, Reply};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const RETRY_MS: u64 = 1_000;
const SUSPEND_SECS: u64 = 60;
const FAILURES: u32 = 3;

fn tune(drop_while_suspended: bool) -> impl FnOnce(&mut imcloud::config::Config) {
    move |c| {
        c.hooks.retry_first_ms = RETRY_MS;
        c.hooks.retry_max_ms = RETRY_MS;
        c.hooks.suspend_failures = FAILURES;
        c.hooks.suspend_window_secs = 30;
        c.hooks.suspend_secs = SUSPEND_SECS;
        c.hooks.suspend_max_factor = 5;
        c.hooks.drop_while_suspended = drop_while_suspended;
        c.hooks.tick_ms = 10;
    }
}

/// Each request's events and whether it was answered 200, in order.
type RequestLog = Arc<Mutex<Vec<(bool, Vec<Value>)>>>;

/// A receiver that fails (HTTP 500) until told otherwise, and logs each
/// request's events and whether it was answered 200, in order (a rule
/// has one request in flight at a time).
struct Flaky {
    receiver: Receiver,
    healthy: Arc<AtomicBool>,
    log: RequestLog,
}

impl Flaky {
    async fn start() -> Flaky {
        let receiver = Receiver::start().await;
        let healthy = Arc::new(AtomicBool::new(false));
        let log: RequestLog = Arc::default();
        let (h, l) = (healthy.clone(), log.clone());
        receiver.answer(move |req| {
            let ok = h.load(Ordering::SeqCst);
            let events = match &req.body {
                Value::Array(a) => a.clone(),
                one => vec![one.clone()],
            };
            if let Ok(mut l) = l.lock() {
                l.push((ok, events));
            }
            Reply {
                status: if ok { 200 } else { 500 },
                body: "{}".into(),
                delay: Duration::ZERO,
            }
        });
        Flaky {
            receiver,
            healthy,
            log,
        }
    }

    fn requests(&self) -> usize {
        self.log.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// The texts of the events answered 200, in order.
    fn delivered(&self) -> Vec<String> {
        self.log
            .lock()
            .map(|l| {
                l.iter()
                    .filter(|(ok, _)| *ok)
                    .flat_map(|(_, events)| events.iter().map(|e| text_of(e).to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The rule's queue as `GET /callbacks` shows it.
async fn queue(api: &Api<'_>) -> Value {
    let listed = api.get("/callbacks").await;
    assert_ok(&listed)["data"][0]["queue"].clone()
}

async fn queue_until(api: &Api<'_>, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let pred = &pred;
    eventually(WAIT, what, || async move {
        let q = queue(api).await;
        pred(&q).then_some(q)
    })
    .await
}

async fn send_texts(api: &Api<'_>, texts: impl Iterator<Item = String>) {
    for text in texts {
        let r = api
            .post(
                "/messages/users",
                json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": text}}),
            )
            .await;
        assert_ok(&r);
    }
}

/// Fails the receiver until the rule is suspended: two requests go at
/// once (the first and its immediate retry), the third after `RETRY_MS`;
/// returns the queue view.
async fn suspend(s: &TestServer, api: &Api<'_>, flaky: &Flaky, before: usize) -> Value {
    eventually(
        WAIT,
        "the first request and its immediate retry",
        || async { (flaky.requests() >= before + 2).then_some(()) },
    )
    .await;
    assert_eq!(queue(api).await["state"], json!("retrying"));
    s.clock.advance(Duration::from_millis(RETRY_MS));
    queue_until(api, "the rule suspended", |q| {
        q["state"] == json!("suspended")
    })
    .await
}

#[tokio::test]
async fn a_failing_receiver_suspends_its_rule_and_gets_every_event_in_order_after() {
    let s = TestServer::start_manual(tune(false)).await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let flaky = Flaky::start().await;
    add_rule(
        &api,
        post_rule(
            "flaky",
            &flaky.receiver.url("/f"),
            json!({"events": ["chat"], "batch_max": 4}),
        ),
    )
    .await;
    let t0 = s.clock.now_ms();
    send_texts(&api, (0..6).map(|i| format!("m{i}"))).await;
    let q = suspend(&s, &api, &flaky, 0).await;
    // Suspended at the third failure, for `suspend_secs` × 1.
    let first_until = t0 + RETRY_MS as i64 + SUSPEND_SECS as i64 * 1_000;
    assert_eq!(q["suspended_until"], json!(first_until), "{q}");
    assert_eq!(flaky.requests(), FAILURES as usize);
    assert_eq!(q["failed_requests"], json!(FAILURES));

    // While suspended, events keep queueing; nothing is sent, nothing
    // dropped.
    send_texts(&api, (6..12).map(|i| format!("m{i}"))).await;
    let q = queue_until(&api, "12 events queued", |q| q["queued"] == json!(12)).await;
    assert_eq!(q["dropped"], json!(0));
    s.clock
        .advance(Duration::from_millis(SUSPEND_SECS * 1_000 - 1));
    assert_eq!(queue(&api).await["state"], json!("suspended"));
    assert_eq!(flaky.requests(), FAILURES as usize);

    // The suspension ends: every event, in order, once.
    flaky.healthy.store(true, Ordering::SeqCst);
    s.clock.advance(Duration::from_millis(1));
    let want: Vec<String> = (0..12).map(|i| format!("m{i}")).collect();
    eventually(WAIT, "all 12 events delivered", || async {
        (flaky.delivered().len() >= want.len()).then_some(())
    })
    .await;
    assert_eq!(flaky.delivered(), want);
    let q = queue_until(&api, "12 counted delivered", |q| {
        q["delivered"] == json!(12)
    })
    .await;
    assert_eq!(
        (&q["state"], &q["queued"]),
        (&json!("active"), &json!(0)),
        "{q}"
    );

    // A second suspension within 24 h lasts twice as long.
    flaky.healthy.store(false, Ordering::SeqCst);
    let before = flaky.requests();
    let t1 = s.clock.now_ms();
    send_texts(&api, std::iter::once("again".to_string())).await;
    let q = suspend(&s, &api, &flaky, before).await;
    let second_until = t1 + RETRY_MS as i64 + 2 * SUSPEND_SECS as i64 * 1_000;
    assert_eq!(q["suspended_until"], json!(second_until), "{q}");
    flaky.healthy.store(true, Ordering::SeqCst);
    s.clock
        .advance(Duration::from_millis(2 * SUSPEND_SECS * 1_000));
    eventually(WAIT, "the last event delivered", || async {
        (flaky.delivered().len() > 12).then_some(())
    })
    .await;
    assert_eq!(flaky.delivered().last().map(String::as_str), Some("again"));
}

#[tokio::test]
async fn by_default_events_of_a_suspension_are_dropped_and_counted() {
    let s = TestServer::start_manual(tune(true)).await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let flaky = Flaky::start().await;
    add_rule(
        &api,
        post_rule(
            "flaky",
            &flaky.receiver.url("/f"),
            json!({"events": ["chat"]}),
        ),
    )
    .await;
    send_texts(&api, (0..3).map(|i| format!("before{i}"))).await;
    suspend(&s, &api, &flaky, 0).await;
    send_texts(&api, (0..3).map(|i| format!("during{i}"))).await;
    queue_until(&api, "6 events queued", |q| q["queued"] == json!(6)).await;
    flaky.healthy.store(true, Ordering::SeqCst);
    s.clock.advance(Duration::from_millis(SUSPEND_SECS * 1_000));
    send_texts(&api, std::iter::once("after".to_string())).await;
    let q = queue_until(&api, "the queue worked through", |q| {
        q["queued"] == json!(0) && q["delivered"] == json!(4)
    })
    .await;
    assert_eq!(
        (&q["dropped"], &q["delivered"]),
        (&json!(3), &json!(4)),
        "{q}"
    );
    assert_eq!(
        flaky.delivered(),
        vec!["before0", "before1", "before2", "after"]
    );
}
