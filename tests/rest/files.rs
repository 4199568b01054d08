//! Attachments (F1, F2): upload as a user, send an `img` message pointing
//! at the file, download it as the receiver with the share-secret (whole,
//! by range, and its smaller thumbnail); a stranger without the secret is
//! refused; recalling the message deletes the file; the errors of each bad
//! upload.

use super::*;
use std::io::Cursor;

const BOUNDARY: &str = "imcloud-test-boundary";

fn multipart(field: &str, filename: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// An 800 × 600 PNG of a few hundred KB.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 13 % 256) as u8,
            ((x ^ y) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

async fn user_token(s: &TestServer, user: &str) -> String {
    let r: Value = s
        .http()
        .post(s.url("/demo/chat/token"))
        .json(
            &json!({"grant_type": "password", "username": user, "password": format!("pw-{user}")}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"]
        .as_str()
        .expect("a user token")
        .to_string()
}

async fn upload(
    s: &TestServer,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = s
        .http()
        .post(s.url("/demo/chat/chatfiles"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_image_goes_up_rides_a_message_and_comes_down_to_the_receiver_only() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let original = png();
    let token = user_token(&s, "alice").await;
    let (status, r) = upload(
        &s,
        Some(&token),
        &[("restrict-access", "true")],
        multipart("file", "cat.png", "image/png", &original),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let entity = &r["entities"][0];
    assert_eq!(entity["type"], json!("chatfile"));
    let uuid = entity["uuid"].as_str().unwrap().to_string();
    let secret = entity["share-secret"].as_str().unwrap().to_string();
    let url = s.url(&format!("/demo/chat/chatfiles/{uuid}"));

    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let body = json!({"type": "img", "url": url, "filename": "cat.png", "secret": secret, "size": {"width": 800, "height": 600}});
    let ack = alice
        .request("send", json!({"chat": "single", "to": "bob", "body": body}))
        .await
        .unwrap();
    assert_eq!(ack["ok"], json!(true), "{ack}");
    let msg = bob.next_push(WAIT).await.expect("the img message")["msg"].clone();
    let (got_url, got_secret) = (
        msg["body"]["url"].as_str().unwrap().to_string(),
        msg["body"]["secret"].as_str().unwrap().to_string(),
    );

    // The receiver downloads it with the secret: the same bytes and type.
    let bob_token = user_token(&s, "bob").await;
    let r = s
        .http()
        .get(&got_url)
        .bearer_auth(&bob_token)
        .header("share-secret", &got_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), original.as_slice());
    // A range of it.
    let r = s
        .http()
        .get(format!("{got_url}?share-secret={got_secret}"))
        .header("Range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 206);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &original[..10]);
    // The thumbnail is a smaller JPEG that fits 170 × 170.
    let r = s
        .http()
        .get(&got_url)
        .header("share-secret", &got_secret)
        .header("thumbnail", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let thumb = r.bytes().await.unwrap();
    assert!(thumb.len() < original.len() / 4, "{} bytes", thumb.len());
    let t = image::load_from_memory(&thumb).unwrap();
    assert_eq!((t.width(), t.height()), (170, 128));

    // A stranger without the secret, or with a wrong one, is refused.
    let carol_token = user_token(&s, "carol").await;
    for secret in [None, Some("not-the-secret")] {
        let mut req = s.http().get(&got_url).bearer_auth(&carol_token);
        if let Some(x) = secret {
            req = req.header("share-secret", x);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
    }
    // Recalling the message deletes its attachment.
    let r = alice
        .request(
            "recall",
            json!({"chat": "single", "to": "bob", "msg_id": ack["msg_id"]}),
        )
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let r = s
        .http()
        .get(&got_url)
        .header("share-secret", &got_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "the recalled message's file is gone"
    );
    let r = s
        .http()
        .get(s.url("/demo/chat/chatfiles/no-such-file"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], json!("entity_not_found"));
}

#[tokio::test]
async fn bad_uploads_get_their_errors() {
    let s = TestServer::start_with(|c| c.rest.max_file_bytes = 64 * 1024).await;
    s.create_users(&["alice"]).await;
    let token = user_token(&s, "alice").await;
    let (status, r) = upload(
        &s,
        Some(&token),
        &[],
        multipart(
            "file",
            "big.bin",
            "application/octet-stream",
            &vec![7u8; 65 * 1024],
        ),
    )
    .await;
    assert_eq!(status, 413, "{r}");
    assert_eq!(
        r["error_description"],
        json!("file exceeding maximum limit")
    );
    let (status, r) = upload(
        &s,
        Some(&token),
        &[],
        multipart("other", "x.txt", "text/plain", b"hi"),
    )
    .await;
    assert_eq!(
        (status, r["error_description"].clone()),
        (400, json!("file must be provided.")),
        "{r}"
    );
    let (status, _) = upload(
        &s,
        None,
        &[],
        multipart("file", "x.txt", "text/plain", b"hi"),
    )
    .await;
    assert_eq!(status, 401);
    // A small unrestricted file: anyone with the URL fetches it; no thumbnail.
    let (status, r) = upload(
        &s,
        Some(&token),
        &[],
        multipart("file", "note.txt", "text/plain", b"hello"),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let uuid = r["entities"][0]["uuid"].as_str().unwrap();
    let r = s
        .http()
        .get(s.url(&format!("/demo/chat/chatfiles/{uuid}")))
        .header("thumbnail", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello");
}

/// The blob files under the data dir.
fn blob_files(s: &TestServer) -> usize {
    let dir = s.node.config.server.data_dir.join("files").join("blobs");
    std::fs::read_dir(dir)
        .map(|sub| {
            sub.flatten()
                .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
                .filter(|f| !f.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn uploads_past_retention_go_with_their_blobs_and_a_shared_blob_stays_while_named() {
    let s = TestServer::start_manual(|c| {
        c.app_defaults.retention_days = 1;
        c.retention.sweep_interval_secs = 0;
        c.retention.blob_grace_secs = 0;
    })
    .await;
    s.create_users(&["alice"]).await;
    let token = user_token(&s, "alice").await;
    let up = |bytes: &'static [u8]| {
        let token = token.clone();
        let s = &s;
        async move {
            let (status, r) = upload(
                s,
                Some(&token),
                &[],
                multipart("file", "a.txt", "text/plain", bytes),
            )
            .await;
            assert_eq!(status, 200, "{r}");
            r["entities"][0]["uuid"].as_str().unwrap().to_string()
        }
    };
    let old_only = up(b"only the old upload has these bytes").await;
    let old_shared = up(b"two uploads share these bytes").await;
    assert_eq!(blob_files(&s), 2);
    s.clock.advance(std::time::Duration::from_secs(86_400 + 60));
    let fresh_shared = up(b"two uploads share these bytes").await;

    let swept = imcloud::retention::sweep(&s.node).await.unwrap();
    assert_eq!(swept.files, 2);
    let status = |uuid: String| {
        let s = &s;
        async move {
            s.http()
                .get(s.url(&format!("/demo/chat/chatfiles/{uuid}")))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status(old_only).await, 404);
    assert_eq!(status(old_shared).await, 404);
    assert_eq!(status(fresh_shared.clone()).await, 200);
    assert_eq!(
        blob_files(&s),
        1,
        "the unshared blob is removed, the shared one kept"
    );
    let r = s
        .http()
        .get(s.url(&format!("/demo/chat/chatfiles/{fresh_shared}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        b"two uploads share these bytes"
    );
}
