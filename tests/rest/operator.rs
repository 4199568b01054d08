//! The operator's apps (§14.5): off without a secret, opened by the
//! secret alone; create, list (also after `kill -9`), and delete with
//! every piece of the app's data, after which the key can be made again
//! from nothing.

use super::{assert_error, assert_ok, Api, DUPLICATE, ILLEGAL, NO_APP, UNAUTHORIZED};
use crate::common::{start_binary, write_test_config, TestServer, WsClient, WAIT};
use imcloud_shards::host::keyspace_name;
use serde_json::{json, Value};

const SECRET: &str = "operator-secret-for-tests";

async fn operator_server() -> TestServer {
    TestServer::start_with(|c| c.admin.secret = SECRET.into()).await
}

fn operator(s: &TestServer) -> Api<'_> {
    Api::with_token(s, Some(SECRET.into())).at_root()
}

fn listed(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .map(|a| a["appkey"].as_str().expect("appkey").to_string())
        .collect()
}

#[tokio::test]
async fn the_operator_endpoints_are_off_without_a_secret() {
    let s = TestServer::start().await;
    let app = s.app_token().await;
    for api in [
        Api::anonymous(&s).at_root(),
        Api::with_token(&s, Some(app)).at_root(),
        Api::with_token(&s, Some(String::new())).at_root(),
    ] {
        let got = api.get("/_admin/apps").await;
        assert_error(&got, 404, "service_resource_not_found");
        let got = api
            .post("/_admin/apps", json!({"appkey": "acme#shop"}))
            .await;
        assert_error(&got, 404, "service_resource_not_found");
    }
}

#[tokio::test]
async fn only_the_operator_secret_opens_them_and_a_created_app_works() {
    let s = operator_server().await;
    let app_token = s.app_token().await;
    for token in [None, Some(app_token.clone()), Some(format!("{SECRET}x"))] {
        let api = Api::with_token(&s, token).at_root();
        assert_error(&api.get("/_admin/apps").await, 401, UNAUTHORIZED);
        let made = api
            .post("/_admin/apps", json!({"appkey": "acme#shop"}))
            .await;
        assert_error(&made, 401, UNAUTHORIZED);
        assert_error(
            &api.delete("/_admin/apps/demo/chat").await,
            401,
            UNAUTHORIZED,
        );
    }
    let op = operator(&s);
    for bad in [
        "acme",
        "Acme#shop",
        "acme#shop_1",
        "acme#",
        &format!("a#{}", "x".repeat(33)),
    ] {
        let got = op.post("/_admin/apps", json!({"appkey": bad})).await;
        assert_error(&got, 400, ILLEGAL);
    }
    let made = op
        .post("/_admin/apps", json!({"appkey": "acme#shop-2"}))
        .await;
    let creds = assert_ok(&made)["data"].clone();
    assert_eq!(creds["appkey"], json!("acme#shop-2"));
    let again = op
        .post("/_admin/apps", json!({"appkey": "acme#shop-2"}))
        .await;
    assert_error(&again, 400, DUPLICATE);

    // The new app's credentials give a token that registers users.
    let token = imcloud_testkit::app_token(
        s.http(),
        &s.url("/acme/shop-2/token"),
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    imcloud_testkit::create_users(
        s.http(),
        &s.url("/acme/shop-2/users"),
        &token,
        &["ann", "ben"],
    )
    .await;

    let list = op.get("/_admin/apps").await;
    let v = assert_ok(&list);
    assert_eq!(listed(v), vec!["acme#shop-2", "demo#chat"]);
    assert_eq!(v["data"][0]["users"], json!(2));
    assert!(v["data"][0]["created"].as_i64().unwrap() > 0);
    assert_eq!(v["count"], json!(2));
    // Paged: one at a time, by cursor.
    let first = op.get("/_admin/apps?limit=1").await;
    let first = assert_ok(&first);
    assert_eq!(listed(first), vec!["acme#shop-2"]);
    let cursor = first["cursor"]
        .as_str()
        .expect("a cursor while more follow");
    let second = op
        .get(&format!(
            "/_admin/apps?limit=1&cursor={}",
            cursor.replace('#', "%23")
        ))
        .await;
    let second = assert_ok(&second);
    assert_eq!(listed(second), vec!["demo#chat"]);
    assert!(second.get("cursor").is_none(), "{second}");
    assert_error(&op.get("/_admin/apps?limit=many").await, 400, ILLEGAL);
    assert_error(&op.get("/_admin/apps?cursor=nokey").await, 400, ILLEGAL);
    // A user token or the app's token of the new app opens nothing here.
    let api = Api::with_token(&s, Some(token)).at_root();
    assert_error(&api.get("/_admin/apps").await, 401, UNAUTHORIZED);
}

#[tokio::test]
async fn an_app_created_before_a_kill_9_is_still_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let env = [("IMCLOUD_ADMIN__SECRET", SECRET)];
    let bin = env!("CARGO_BIN_EXE_imcloud");
    let mut server = imcloud_testkit::BinaryServer::start_with_env(bin, &data, &config, &env);
    let http = reqwest::Client::new();
    let made: Value = http
        .post(format!("{}/_admin/apps", server.base()))
        .bearer_auth(SECRET)
        .json(&json!({"appkey": "acme#kept"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let creds = made["data"].clone();
    assert_eq!(creds["appkey"], json!("acme#kept"), "{made}");
    server.kill9();

    let server = imcloud_testkit::BinaryServer::start_with_env(bin, &data, &config, &env);
    let list: Value = http
        .get(format!("{}/_admin/apps", server.base()))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed(&list), vec!["acme#kept", "demo#chat"], "{list}");
    // Its credentials still hold.
    imcloud_testkit::app_token(
        &http,
        &format!("{}/acme/kept/token", server.base()),
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    // A server started without the secret keeps them off.
    drop(server);
    let plain = start_binary(&data, &config);
    let off = http
        .get(format!("{}/_admin/apps", plain.base()))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(off.status().as_u16(), 404);
}

/// Every key and value of every shard that holds `needle`.
fn keys_holding(s: &TestServer, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for shard in 0..s.node.shard_count() {
        let ks = s
            .node
            .engine()
            .keyspace(&keyspace_name(shard))
            .expect("keyspace");
        let rows = ks.range(&[], &[0xff; 8], usize::MAX).expect("scan");
        for (k, v) in rows {
            let holds = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle);
            if holds(&k) || holds(&v) {
                found.push(format!("shard {shard}: {}", String::from_utf8_lossy(&k)));
            }
        }
    }
    found
}

async fn app_with_data(s: &TestServer) -> (Value, String) {
    let op = operator(s);
    let made = op
        .post("/_admin/apps", json!({"appkey": "acme#gone"}))
        .await;
    let creds = assert_ok(&made)["data"].clone();
    let token = imcloud_testkit::app_token(
        s.http(),
        &s.url("/acme/gone/token"),
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    let users: Vec<String> = (0..20).map(|i| format!("u{i}")).collect();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    imcloud_testkit::create_users(s.http(), &s.url("/acme/gone/users"), &token, &names).await;
    let api = Api {
        s,
        token: Some(token.clone()),
        prefix: "/acme/gone",
    };
    let g = api
        .post(
            "/chatgroups",
            json!({"groupname": "g", "desc": "d", "public": true, "maxusers": 50,
                   "owner": "u0", "members": ["u1", "u2"]}),
        )
        .await;
    let group = assert_ok(&g)["data"]["groupid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ok(
        &api.post(
            "/chatrooms",
            json!({"name": "r", "description": "d", "owner": "u0", "members": ["u1"]}),
        )
        .await,
    );
    assert_ok(
        &api.post(
            "/messages/users",
            json!({"from": "u0", "to": ["u1", "u2"], "type": "txt", "body": {"msg": "hi"}}),
        )
        .await,
    );
    assert_ok(
        &api.post(
            "/messages/chatgroups",
            json!({"from": "u0", "to": [group], "type": "txt", "body": {"msg": "all"}}),
        )
        .await,
    );
    assert_ok(&api.post("/users/u0/contacts/users/u1", json!({})).await);
    assert_ok(
        &api.post("/sensitive_words", json!({"words": ["badword"]}))
            .await,
    );
    assert_ok(&api.put("/settings", json!({"friend_check": true})).await);
    let attrs = s
        .http()
        .put(s.url("/acme/gone/metadata/user/u3"))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("nickname=three")
        .send()
        .await
        .unwrap();
    assert_eq!(attrs.status().as_u16(), 200);
    let boundary = "imcloud-operator";
    let upload = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nonly acme's\r\n--{boundary}--\r\n"
    );
    let up = s
        .http()
        .post(s.url("/acme/gone/chatfiles"))
        .bearer_auth(&token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 200);
    (creds, token)
}

#[tokio::test]
async fn deleting_an_app_removes_every_piece_of_its_data() {
    let s = operator_server().await;
    let (_creds, token) = app_with_data(&s).await;
    // A device of the app is online.
    let ws = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let login = ws.login("acme#gone", "u1", "pw-u1", None).await.unwrap();
    assert_eq!(login["ok"], json!(true), "{login}");
    assert!(!keys_holding(&s, b"acme#gone").is_empty());

    let op = operator(&s);
    let gone = op.delete("/_admin/apps/acme/gone").await;
    assert_eq!(assert_ok(&gone)["data"], json!({"deleted": "acme#gone"}));
    let left = keys_holding(&s, b"acme#gone");
    assert!(left.is_empty(), "left behind:\n{}", left.join("\n"));

    // Its token stopped at once, its device was closed and cannot log in.
    let api = Api {
        s: &s,
        token: Some(token),
        prefix: "/acme/gone",
    };
    assert_error(&api.get("/users").await, 404, NO_APP);
    assert!(
        ws.closed(WAIT).await.is_some(),
        "the device stays connected"
    );
    let again = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let login = again.login("acme#gone", "u1", "pw-u1", None).await.unwrap();
    assert_eq!(login["ok"], json!(false), "{login}");
    assert_eq!(
        listed(assert_ok(&op.get("/_admin/apps").await)),
        vec!["demo#chat"]
    );
    assert_error(&op.delete("/_admin/apps/acme/gone").await, 404, NO_APP);

    // The key is made again from nothing: no users, no words, default
    // settings; the old token is refused.
    let made = op
        .post("/_admin/apps", json!({"appkey": "acme#gone"}))
        .await;
    let creds = assert_ok(&made)["data"].clone();
    let fresh = imcloud_testkit::app_token(
        s.http(),
        &s.url("/acme/gone/token"),
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    )
    .await;
    assert_error(&api.get("/users").await, 401, "auth_bad_access_token");
    let api = Api {
        s: &s,
        token: Some(fresh),
        prefix: "/acme/gone",
    };
    assert_eq!(assert_ok(&api.get("/users").await)["entities"], json!([]));
    assert_eq!(
        assert_ok(&api.get("/sensitive_words").await)["data"]["words"],
        json!([])
    );
    assert_eq!(
        assert_ok(&api.get("/settings").await)["data"]["friend_check"],
        json!(false)
    );
    assert_eq!(assert_ok(&api.get("/chatgroups").await)["data"], json!([]));
    let list = op.get("/_admin/apps").await;
    assert_eq!(assert_ok(&list)["data"][0]["users"], json!(0));
    // The other app was not touched.
    let demo = Api::admin(&s).await;
    assert_ok(&demo.get("/users").await);
}
