//! The shard logs on a real JetStream: what a taker reads back, and the
//! fence that stops a deposed owner (paused, cut off) from writing once
//! another node has claimed its shard — the handoff of `docs/cluster.md`
//! that `model/handoff.pml` checks.

use bytes::Bytes;
use imcloud_shards::cluster::{LogConfig, LogEntry, LogError, LogRecord, ShardLogs};
use imcloud_testkit::NatsServer;
use std::time::Duration;

async fn logs(nats: &NatsServer) -> ShardLogs {
    let config = LogConfig {
        name: "imc".to_string(),
        shard_count: 16,
        shards_per_stream: 8,
        replicas: 1,
        max_age: Duration::from_secs(3600),
    };
    ShardLogs::connect(&[nats.url().to_string()], config)
        .await
        .expect("streams created")
}

fn rounds(records: &[LogRecord]) -> Vec<Bytes> {
    records
        .iter()
        .filter_map(|r| match &r.entry {
            LogEntry::Round { body, .. } => Some(body.clone()),
            LogEntry::Claim { .. } => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposed_owner_cannot_append_once_another_node_has_claimed() {
    let nats = NatsServer::start();
    // Two nodes, each with its own connection.
    let node_a = logs(&nats).await;
    let node_b = logs(&nats).await;
    let shard = 3;

    let mut a = node_a.take(shard, 1, 0, |_| {}).await.expect("A takes");
    a.append(b"r1").await.expect("A appends r1");
    a.append(b"r2").await.expect("A appends r2");

    // A pauses; B takes the shard and reads everything A wrote.
    let mut seen = Vec::new();
    let mut b = node_b
        .take(shard, 2, 0, |r| seen.push(r))
        .await
        .expect("B takes");
    assert_eq!(rounds(&seen), vec![Bytes::from("r1"), Bytes::from("r2")]);
    assert_eq!(
        seen.first().map(|r| &r.entry),
        Some(&LogEntry::Claim { node: 1 })
    );

    // A wakes: its append is refused, B's goes on.
    match a.append(b"r3 from the deposed owner").await {
        Err(LogError::Fenced { shard: 3 }) => {}
        other => panic!("the deposed owner appended: {other:?}"),
    }
    b.append(b"r3").await.expect("B appends");

    // A takes it back later: it reads on from where it was and then B is
    // the one fenced.
    let mut caught_up = Vec::new();
    let mut a = node_a
        .take(shard, 1, a.last_seq(), |r| caught_up.push(r))
        .await
        .expect("A takes back");
    assert_eq!(rounds(&caught_up), vec![Bytes::from("r3")]);
    assert!(matches!(
        b.append(b"r4 from B").await,
        Err(LogError::Fenced { .. })
    ));
    a.append(b"r4").await.expect("A appends again");

    // The whole log, read from the start, holds no write of a deposed owner.
    let mut all = Vec::new();
    node_b.read(shard, 0, |r| all.push(r)).await.expect("read");
    assert_eq!(
        rounds(&all),
        ["r1", "r2", "r3", "r4"].map(Bytes::from).to_vec()
    );
    let claims: Vec<_> = all
        .iter()
        .filter_map(|r| match r.entry {
            LogEntry::Claim { node } => Some(node),
            LogEntry::Round { .. } => None,
        })
        .collect();
    assert_eq!(claims, vec![1, 2, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_after_a_stale_read_is_refused_and_taking_reads_on() {
    let nats = NatsServer::start();
    let node_a = logs(&nats).await;
    let node_b = logs(&nats).await;
    let shard = 5;
    let mut a = node_a.take(shard, 1, 0, |_| {}).await.expect("A takes");
    a.append(b"before").await.expect("append");

    // B reads to the end, then A's last round lands before B's claim.
    let read_to = node_b.read(shard, 0, |_| {}).await.expect("B reads");
    a.append(b"late").await.expect("A's late round");
    assert!(matches!(
        node_b.claim(shard, 2, read_to).await,
        Err(LogError::Fenced { .. })
    ));

    // Taking reads on first, so B holds the late round before it serves.
    let mut seen = Vec::new();
    node_b
        .take(shard, 2, read_to, |r| seen.push(r))
        .await
        .expect("B takes");
    assert_eq!(rounds(&seen), vec![Bytes::from("late")]);
    assert!(matches!(
        a.append(b"after").await,
        Err(LogError::Fenced { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_sharing_a_stream_do_not_fence_each_other_and_read_back_in_order() {
    let nats = NatsServer::start();
    let node_a = logs(&nats).await;
    let node_b = logs(&nats).await;
    // Shards 1 and 2 share stream 0; 9 is in stream 1.
    let mut one = node_a.take(1, 1, 0, |_| {}).await.expect("take 1");
    let mut two = node_b.take(2, 2, 0, |_| {}).await.expect("take 2");
    let mut nine = node_b.take(9, 2, 0, |_| {}).await.expect("take 9");
    for i in 0..300u32 {
        one.append(&i.to_be_bytes()).await.expect("append 1");
        two.append(&(i + 1000).to_be_bytes())
            .await
            .expect("append 2");
        nine.append(&(i + 2000).to_be_bytes())
            .await
            .expect("append 9");
    }
    for (shard, offset) in [(1, 0u32), (2, 1000), (9, 2000)] {
        let mut back = Vec::new();
        let read_to = node_a.read(shard, 0, |r| back.push(r)).await.expect("read");
        assert_eq!(read_to, node_a.last_seq(shard).await.expect("last"));
        let want: Vec<Bytes> = (0..300u32)
            .map(|i| Bytes::copy_from_slice(&(i + offset).to_be_bytes()))
            .collect();
        assert_eq!(rounds(&back), want, "shard {shard}");
    }
}
