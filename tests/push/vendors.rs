//! The phone vendors' push providers (Huawei, Honor, Xiaomi, OPPO, vivo,
//! Meizu) against one local HTTP receiver each, standing for the vendor:
//! it checks the token exchange where the vendor has one (the form or
//! JSON, the signature recomputed here) and each send request against
//! the vendor's documented format; an offline recipient's device gets
//! exactly one request per message, the access token is reused, and the
//! vendor's "token invalid" answer unbinds the device.

use super::{bob_unbound, call, send};
use crate::common::{Received, Receiver, Reply, TestServer, WsClient, WAIT};
use imcloud::config::Config;
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;

struct Setup {
    s: TestServer,
    token: String,
    alice: WsClient,
}

/// A server whose providers' URLs `tune` points at the receiver, users
/// alice and bob, the credential (whose `secrets` are never listed), and
/// bob's device `phone` bound to `device_token`.
async fn setup(
    tune: impl FnOnce(&mut Config),
    credential: Value,
    secrets: &[&str],
    device_token: &str,
) -> Setup {
    let s = TestServer::start_with(tune).await;
    s.create_users(&["alice", "bob"]).await;
    let token = s.app_token().await;
    let saved = call(
        &s,
        &token,
        Method::POST,
        "/push/credentials",
        Some(credential),
    )
    .await;
    let listed = call(&s, &token, Method::GET, "/push/credentials", None).await;
    for view in [&saved["data"], &listed["data"][0]] {
        for key in secrets {
            assert!(view.get(*key).is_none(), "{key} is never shown: {view}");
        }
    }
    bind(&s, &token, device_token).await;
    let alice = s.login("alice", None).await;
    Setup { s, token, alice }
}

async fn bind(s: &TestServer, token: &str, device_token: &str) {
    call(
        s,
        token,
        Method::PUT,
        "/users/bob/push/binding",
        Some(
            json!({"device_id": "phone", "notifier_name": "vendor", "device_token": device_token}),
        ),
    )
    .await;
}

/// A form body's fields.
fn form(r: &Received) -> HashMap<String, String> {
    form_urlencoded::parse(&r.raw).into_owned().collect()
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

/// Binds bob's device to `dead`, sends, sees the one request the vendor
/// refuses, and waits for the binding to go; nothing is sent after.
async fn a_refused_token_unbinds(setup: &Setup, vendor: &mut Receiver) -> Received {
    let Setup { s, token, alice } = setup;
    bind(s, token, "dead").await;
    send(alice, "bob", "to a dead token").await;
    let got = vendor
        .next(WAIT)
        .await
        .expect("the request to the dead token");
    bob_unbound(s, token).await;
    send(alice, "bob", "nobody bound").await;
    let extra = vendor.next(std::time::Duration::from_millis(300)).await;
    assert!(extra.is_none(), "a request after the unbind: {extra:?}");
    got
}

/// Bob is offline: one message, then its request (after `exchanges`
/// token requests, checked by `exchange`), then one more message whose
/// request comes with no new exchange.
async fn two_messages(
    setup: &Setup,
    vendor: &mut Receiver,
    exchange: impl Fn(&Received),
    check: impl Fn(&Received, &str),
) {
    let first = send(&setup.alice, "bob", "one").await;
    let got = vendor.next(WAIT).await.expect("the token exchange");
    exchange(&got);
    let got = vendor.next(WAIT).await.expect("the first notification");
    check(&got, &first);
    let second = send(&setup.alice, "bob", "two").await;
    let got = vendor
        .next(WAIT)
        .await
        .expect("the second notification, with the token kept");
    check(&got, &second);
}

fn json_reply(body: Value) -> Reply {
    Reply::ok(body.to_string())
}

#[tokio::test]
async fn huawei_gets_an_oauth_token_then_v1_messages_and_80300007_unbinds() {
    let mut hw = Receiver::start().await;
    hw.answer(|r| match r.path.as_str() {
        "/oauth2/v3/token" => json_reply(json!({"access_token": "hw-at", "expires_in": 3600})),
        _ if r.body["message"]["token"][0] == "dead" => {
            json_reply(json!({"code": "80300007", "msg": "All the tokens are invalid"}))
        }
        _ => json_reply(json!({"code": "80000000", "msg": "Success", "requestId": "1"})),
    });
    let (token_url, base) = (hw.url("/oauth2/v3/token"), hw.url(""));
    let setup = setup(
        move |c| {
            c.push.huawei_token_url = token_url;
            c.push.huawei_url = base;
        },
        json!({"name": "vendor", "provider": "huawei", "app_id": "10086", "app_secret": "hw-secret"}),
        &["app_secret"],
        "hw-tok",
    )
    .await;
    two_messages(
        &setup,
        &mut hw,
        |got| {
            assert_eq!(got.path, "/oauth2/v3/token");
            let f = form(got);
            assert_eq!(f["grant_type"], "client_credentials");
            assert_eq!(f["client_id"], "10086");
            assert_eq!(f["client_secret"], "hw-secret");
        },
        |got, id| {
            assert_eq!(
                (got.method.as_str(), got.path.as_str()),
                ("POST", "/v1/10086/messages:send")
            );
            assert_eq!(got.header("authorization"), Some("Bearer hw-at"));
            let m = &got.body["message"];
            assert_eq!(m["token"], json!(["hw-tok"]), "{m}");
            assert_eq!(got.body["validate_only"], json!(false));
            assert_eq!(m["notification"]["body"], json!("You have a new message"));
            assert_eq!(m["notification"]["title"], json!("New message"));
            assert_eq!(
                m["android"]["notification"]["click_action"]["type"],
                json!(3)
            );
            let data: Value = serde_json::from_str(m["data"].as_str().unwrap()).unwrap();
            assert_eq!(data["msg_id"], json!(id));
        },
    )
    .await;
    a_refused_token_unbinds(&setup, &mut hw).await;
}

#[tokio::test]
async fn honor_gets_an_oauth_token_then_send_message_and_80300007_unbinds() {
    const TOKEN: &str = "/auth/realms/developer/protocol/openid-connect/token";
    let mut honor = Receiver::start().await;
    honor.answer(|r| match r.path.as_str() {
        TOKEN => {
            json_reply(json!({"access_token": "ho-at", "expires_in": 3600, "token_type": "Bearer"}))
        }
        _ if r.body["token"][0] == "dead" => {
            json_reply(json!({"code": 80300007, "message": "all tokens are invalid"}))
        }
        _ => json_reply(json!({"code": 200, "message": "success", "data": {"sendResult": true}})),
    });
    let (token_url, base) = (honor.url(TOKEN), honor.url(""));
    let setup = setup(
        move |c| {
            c.push.honor_token_url = token_url;
            c.push.honor_url = base;
        },
        json!({"name": "vendor", "provider": "honor", "app_id": "104400",
               "client_id": "ho-client", "client_secret": "ho-secret"}),
        &["client_secret"],
        "ho-tok",
    )
    .await;
    two_messages(
        &setup,
        &mut honor,
        |got| {
            assert_eq!(got.path, TOKEN);
            let f = form(got);
            assert_eq!(f["grant_type"], "client_credentials");
            assert_eq!(
                (f["client_id"].as_str(), f["client_secret"].as_str()),
                ("ho-client", "ho-secret")
            );
        },
        |got, id| {
            assert_eq!(got.path, "/api/v1/104400/sendMessage");
            assert_eq!(got.header("authorization"), Some("Bearer ho-at"));
            let ts: i64 = got
                .header("timestamp")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            assert!(ts > 1_600_000_000_000, "a timestamp header in ms");
            let b = &got.body;
            assert_eq!(b["token"], json!(["ho-tok"]), "{b}");
            let n = &b["android"]["notification"];
            assert_eq!(n["body"], json!("You have a new message"));
            assert_eq!(n["clickAction"]["type"], json!(3));
            let data: Value = serde_json::from_str(b["data"].as_str().unwrap()).unwrap();
            assert_eq!(data["msg_id"], json!(id));
        },
    )
    .await;
    a_refused_token_unbinds(&setup, &mut honor).await;
}

#[tokio::test]
async fn xiaomi_gets_a_regid_form_with_the_app_secret_and_20301_unbinds() {
    let mut mi = Receiver::start().await;
    mi.answer(|r| {
        if form(r).get("registration_id").map(String::as_str) == Some("dead") {
            json_reply(json!({"result": "error", "code": 20301, "reason": "No valid targets!"}))
        } else {
            json_reply(json!({"result": "ok", "code": 0, "data": {"id": "scm01"}}))
        }
    });
    let base = mi.url("");
    let setup = setup(
        move |c| c.push.xiaomi_url = base,
        json!({"name": "vendor", "provider": "xiaomi", "app_secret": "mi-secret",
               "package_name": "com.example.chat"}),
        &["app_secret"],
        "mi-regid",
    )
    .await;
    let check = |got: &Received, id: &str| {
        assert_eq!(got.path, "/v3/message/regid");
        assert_eq!(got.header("authorization"), Some("key=mi-secret"));
        assert_eq!(
            got.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let f = form(got);
        assert_eq!(f["registration_id"], "mi-regid");
        assert_eq!(f["restricted_package_name"], "com.example.chat");
        assert_eq!(f["pass_through"], "0");
        assert_eq!(f["title"], "New message");
        assert_eq!(f["description"], "You have a new message");
        let payload: String = form_urlencoded::parse(format!("p={}", f["payload"]).as_bytes())
            .map(|(_, v)| v.into_owned())
            .collect();
        let data: Value = serde_json::from_str(&payload).expect("the payload is URL-encoded JSON");
        assert_eq!(data["msg_id"], json!(id));
    };
    // No token exchange: each request carries the app secret.
    for text in ["one", "two"] {
        let id = send(&setup.alice, "bob", text).await;
        check(&mi.next(WAIT).await.expect("a notification"), &id);
    }
    a_refused_token_unbinds(&setup, &mut mi).await;
}

#[tokio::test]
async fn oppo_signs_its_auth_with_sha256_then_unicasts_and_10000_unbinds() {
    let mut oppo = Receiver::start().await;
    oppo.answer(|r| {
        if r.path == "/server/v1/auth" {
            return json_reply(
                json!({"code": 0, "message": "Success", "data": {"auth_token": "op-at", "create_time": 1}}),
            );
        }
        let message: Value = form(r)
            .get("message")
            .and_then(|m| serde_json::from_str(m).ok())
            .unwrap_or(Value::Null);
        if message["target_value"] == "dead" {
            json_reply(json!({"code": 10000, "message": "Invalid RegistrationId"}))
        } else {
            json_reply(json!({"code": 0, "message": "Success", "data": {"messageId": "m1"}}))
        }
    });
    let base = oppo.url("");
    let setup = setup(
        move |c| c.push.oppo_url = base,
        json!({"name": "vendor", "provider": "oppo", "app_key": "op-key", "master_secret": "op-master"}),
        &["master_secret"],
        "CN_op-regid",
    )
    .await;
    two_messages(
        &setup,
        &mut oppo,
        |got| {
            assert_eq!(got.path, "/server/v1/auth");
            let f = form(got);
            assert_eq!(f["app_key"], "op-key");
            let expected = hex::encode(Sha256::digest(
                format!("op-key{}op-master", f["timestamp"]).as_bytes(),
            ));
            assert_eq!(
                f["sign"], expected,
                "sha256(app_key + timestamp + master_secret)"
            );
        },
        |got, id| {
            assert_eq!(got.path, "/server/v1/message/notification/unicast");
            let f = form(got);
            assert_eq!(f["auth_token"], "op-at");
            let m: Value = serde_json::from_str(&f["message"]).expect("message is JSON");
            assert_eq!(m["target_type"], json!(2));
            assert_eq!(m["target_value"], json!("CN_op-regid"));
            let n = &m["notification"];
            assert_eq!(n["title"], json!("New message"));
            assert_eq!(n["content"], json!("You have a new message"));
            let data: Value =
                serde_json::from_str(n["action_parameters"].as_str().unwrap()).unwrap();
            assert_eq!(data["msg_id"], json!(id));
        },
    )
    .await;
    a_refused_token_unbinds(&setup, &mut oppo).await;
}

#[tokio::test]
async fn vivo_signs_its_auth_with_md5_then_sends_and_10302_unbinds() {
    let mut vivo = Receiver::start().await;
    vivo.answer(|r| match r.path.as_str() {
        "/message/auth" => json_reply(json!({"result": 0, "desc": "ok", "authToken": "vv-at"})),
        _ if r.body["regId"] == "dead" => {
            json_reply(json!({"result": 10302, "desc": "regId is not valid"}))
        }
        _ => json_reply(json!({"result": 0, "desc": "ok", "taskId": "1"})),
    });
    let base = vivo.url("");
    let s = TestServer::start_with(|_| {}).await;
    let token = s.app_token().await;
    let (status, v) = crate::common::rest(
        s.http(),
        &s.base(),
        &token,
        Method::POST,
        "/push/credentials",
        Some(
            json!({"name": "v", "provider": "vivo", "app_id": "not-a-number",
                    "app_key": "k", "app_secret": "s"}),
        ),
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("illegal_argument")),
        "{v}"
    );
    drop(s);
    let setup = setup(
        move |c| c.push.vivo_url = base,
        json!({"name": "vendor", "provider": "vivo", "app_id": "10004",
               "app_key": "vv-key", "app_secret": "vv-secret"}),
        &["app_secret"],
        "vv-regid",
    )
    .await;
    two_messages(
        &setup,
        &mut vivo,
        |got| {
            assert_eq!(got.path, "/message/auth");
            let b = &got.body;
            assert_eq!(
                (&b["appId"], &b["appKey"]),
                (&json!(10004), &json!("vv-key"))
            );
            let ts = b["timestamp"].as_i64().expect("a timestamp in ms");
            assert_eq!(
                b["sign"],
                json!(md5_hex(&format!("10004vv-key{ts}vv-secret"))),
                "md5(appId + appKey + timestamp + appSecret)"
            );
        },
        |got, id| {
            assert_eq!(got.path, "/message/send");
            assert_eq!(got.header("authtoken"), Some("vv-at"));
            let b = &got.body;
            assert_eq!(b["regId"], json!("vv-regid"), "{b}");
            assert_eq!(b["title"], json!("New message"));
            assert_eq!(b["content"], json!("You have a new message"));
            assert_eq!(b["skipType"], json!(1));
            assert!(b["notifyType"].is_number() && b["requestId"].is_string());
            assert_eq!(b["clientCustomMap"]["msg_id"], json!(id));
        },
    )
    .await;
    a_refused_token_unbinds(&setup, &mut vivo).await;
}

#[tokio::test]
async fn meizu_gets_a_signed_push_by_push_id_and_110003_unbinds() {
    const PATH: &str = "/garcia/api/server/push/varnished/pushByPushId";
    let mut mz = Receiver::start().await;
    mz.answer(|r| {
        if form(r).get("pushIds").map(String::as_str) == Some("dead") {
            json_reply(json!({"code": "200", "message": "", "value": {"110003": ["dead"]}}))
        } else {
            json_reply(json!({"code": "200", "message": "", "value": {}}))
        }
    });
    let base = mz.url("");
    let setup = setup(
        move |c| c.push.meizu_url = base,
        json!({"name": "vendor", "provider": "meizu", "app_id": "110000", "app_secret": "mz-secret"}),
        &["app_secret"],
        "mz-pushid",
    )
    .await;
    let check = |got: &Received, id: &str| {
        assert_eq!(got.path, PATH);
        let f = form(got);
        assert_eq!(f["appId"], "110000");
        assert_eq!(f["pushIds"], "mz-pushid");
        // Every parameter but `sign`, sorted by key, then the secret.
        let signed = format!(
            "appId={}messageJson={}pushIds={}mz-secret",
            f["appId"], f["messageJson"], f["pushIds"]
        );
        assert_eq!(f["sign"], md5_hex(&signed));
        let m: Value = serde_json::from_str(&f["messageJson"]).expect("messageJson is JSON");
        assert_eq!(m["noticeBarInfo"]["title"], json!("New message"));
        assert_eq!(
            m["noticeBarInfo"]["content"],
            json!("You have a new message")
        );
        assert_eq!(m["clickTypeInfo"]["parameters"]["msg_id"], json!(id));
    };
    for text in ["one", "two"] {
        let id = send(&setup.alice, "bob", text).await;
        check(&mz.next(WAIT).await.expect("a notification"), &id);
    }
    a_refused_token_unbinds(&setup, &mut mz).await;
}
