//! The core of the SDK over msync: login by password and by token, 1:1
//! text both ways with acks and `ext`, every body type, offline sync after
//! a reconnect, `/ws` and REST interop, kicks and logout.

use super::Fixture;
use serde_json::json;

#[tokio::test]
async fn sdk_users_log_in_by_password_and_by_token_and_text_goes_both_ways() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    let token = f.user_token("bob").await;
    let r = sdk.open_token("b", "bob", &token).await;
    assert_eq!(r["ok"], true, "{r}");

    let ext = json!({"flag": true, "n": 42, "x": 1.5, "s": "str", "obj": {"k": [1, "two"]}});
    let r = sdk
        .send("a", json!({"type": "txt", "chatType": "singleChat", "to": "bob", "msg": "hello bob", "ext": ext}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let id = r["result"]["serverMsgId"]
        .as_str()
        .expect("server id")
        .to_string();
    let got = sdk.message("b", |m| m["msg"] == "hello bob").await;
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["from"], "alice");
    assert_eq!(got["to"], "bob");
    assert_eq!(got["type"], "txt");
    assert_eq!(got["chatType"], "singleChat");
    assert_eq!(got["ext"], ext);

    sdk.text("b", "alice", "hi alice").await;
    let got = sdk.message("a", |m| m["msg"] == "hi alice").await;
    assert_eq!(got["from"], "bob");
}
