//! The `chatroom` scenario against the real server in-process: `setup`
//! finds or creates the room (twice: idempotent); every acked message
//! reaches each other present member once; and under an injected overload
//! the report counts exactly the messages the server shed.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::chatroom;
use imcloud_loadtest::direct::{Pacing, SendPhase};
use imcloud_loadtest::group::{self, Conversation, GroupOptions};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::setup::{self, SetupOptions};
use imcloud_loadtest::wire::Encoding;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

async fn room_for(server: &TestServer, members: u32) -> String {
    let opts = SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: members,
        prefix: "lt".into(),
        concurrency: 2,
    };
    setup::run(&opts).await.expect("setup runs");
    let first = chatroom::setup::ensure(&opts.target, &opts.credentials, "lt", members)
        .await
        .expect("room created");
    assert!(first.created, "{first:?}");
    let again = chatroom::setup::ensure(&opts.target, &opts.credentials, "lt", members)
        .await
        .expect("room found");
    assert!(!again.created, "{again:?}");
    assert_eq!(again.id, first.id);
    first.id
}

fn options(server: &TestServer, room: &str, members: u32, priority: &'static str) -> GroupOptions {
    let target = server.target();
    GroupOptions {
        conversation: Conversation::Chatroom {
            id: room.to_string(),
            priority,
            metrics_url: format!("{}/metrics", target.http_base),
        },
        target,
        prefix: "lt".into(),
        members,
        senders: 1,
        send: SendPhase {
            pacing: Pacing::Closed { window: 1 },
            duration: Duration::from_secs(30),
            messages: Some(5),
            drain: Duration::from_secs(15),
            payload_bytes: 16,
            encoding: Encoding::Json,
            login_concurrency: 4,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acked_room_message_reaches_every_other_present_member_once() {
    const MEMBERS: u32 = 20;
    let server = TestServer::start().await;
    let room = room_for(&server, MEMBERS).await;
    let mut opts = options(&server, &room, MEMBERS, "normal");
    opts.senders = 3;
    opts.send.messages = Some(60);
    opts.send.pacing = Pacing::Open { rate: 200.0 };
    let r = group::run(&opts, &Live::new()).await.expect("chatroom run");
    let table = r.table();
    let owed = 60 * u64::from(MEMBERS - 1);
    assert_eq!((r.sent, r.acked, r.pending), (60, 60, 0), "{table}");
    assert!(r.errors.is_empty(), "{table}");
    assert_eq!(
        (r.deliveries_expected, r.delivered),
        (owed, owed),
        "{table}"
    );
    assert_eq!(
        (r.lost, r.duplicates, r.own_copies, r.foreign),
        (0, 0, 0, 0),
        "{table}"
    );
    assert_eq!(r.scenario, "chatroom");
    assert_eq!(r.shed, Some(Default::default()), "{table}");
    assert!(table.starts_with("chatroom "), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_the_server_sheds_under_overload_are_counted_not_lost() {
    // Three members present: each message queues three deliveries, after
    // the three `member_joined` events for the owner's device (lt0) that
    // the held fan-out also keeps; the third message is over the limit.
    let server = TestServer::start_with(|c| {
        c.limits.chatroom_shed_low = 9;
        c.limits.chatroom_shed_normal = 60;
        c.limits.chatroom_shed_all = 60;
    })
    .await;
    let room = room_for(&server, 3).await;
    let rooms = server.node.env.rooms.clone();
    rooms.hold(true);
    // Released once the server has shed the last three sends.
    let release = tokio::spawn({
        let rooms = rooms.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            while rooms.stats.shed_low.load(Ordering::Relaxed) < 3 && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            rooms.hold(false);
        }
    });
    let r = group::run(&options(&server, &room, 3, "low"), &Live::new())
        .await
        .expect("chatroom run");
    release.await.expect("release task");
    let table = r.table();
    assert_eq!((r.sent, r.acked), (5, 2), "{table}");
    assert_eq!(r.errors.get("707"), Some(&3), "{table}");
    let shed = r.shed.expect("shed counts");
    assert_eq!((shed.low, shed.normal, shed.high), (3, 0, 0), "{table}");
    // The two accepted messages reach the two other members.
    assert_eq!((r.delivered, r.lost), (4, 0), "{table}");
    assert!(
        table.contains("server shed: refused high 0 normal 0 low 3"),
        "{table}"
    );
}
