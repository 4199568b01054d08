//! Push over REST: an app's push credentials (imcloud §14.4: list with
//! secrets left out, add or replace by name, delete), a user's device
//! bindings and do-not-disturb settings (§10.4: app-wide, or per 1:1
//! peer or group).

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken, Body};
use super::parse_json;
use crate::error::ApiError;
use crate::routes::Register;
use actix_web::{web, HttpResponse};
use imcloud_actors::app::{DeletePushCredential, GetApp, PutPushCredential};
use imcloud_actors::ids::UserId;
use imcloud_actors::push::settings::{format_interval, parse_interval};
use imcloud_actors::push::{NotifyType, ProviderConfig, PushCredential, PushSetting};
use imcloud_actors::user::{
    GetConversationPush, GetPushProfile, ListPushBindings, PushConversation, SetConversationPush,
    SetPushBinding, SetPushProfile,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    const CREDS: &str = "/{org}/{app}/push/credentials";
    const BINDING: &str = "/{org}/{app}/users/{user}/push/binding";
    const SETTING: &str = "/{org}/{app}/users/{user}/notification/{chattype}/{key}";
    cfg.get(CREDS, list_credentials)
        .post(CREDS, put_credential)
        .delete("/{org}/{app}/push/credentials/{name}", delete_credential)
        .put(BINDING, bind)
        .get(BINDING, bindings)
        .put(SETTING, set_setting)
        .get(SETTING, get_setting);
}

/// A credential as P1 shows it: its name, provider and the fields that
/// are not secret.
fn credential_view(c: &PushCredential) -> Value {
    let mut v = Map::new();
    v.insert("name".into(), json!(c.name));
    v.insert("provider".into(), json!(c.config.provider()));
    v.insert("created".into(), json!(c.created));
    for (key, value, secret) in c.config.fields() {
        if !secret {
            v.insert(key.into(), json!(value));
        }
    }
    if let ProviderConfig::Apns { sandbox, .. } = &c.config {
        v.insert("sandbox".into(), json!(sandbox));
    }
    Value::Object(v)
}

/// P1.
async fn list_credentials(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let record = ctx.node.ask(ctx.app.entity_key(), GetApp).await?;
    let list: Vec<Value> = record
        .push_credentials
        .iter()
        .map(credential_view)
        .collect();
    Ok(Envelope::new(&ctx).data(json!(list)).finish())
}

/// P2: `{"name", "provider", ...the provider's fields}`.
async fn put_credential(
    AppToken(ctx): AppToken,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let mut fields: Map<String, Value> = parse_json(&body)?;
    let name = match fields.remove("name") {
        Some(Value::String(n)) => n,
        _ => return Err(ApiError::IllegalArgument("`name` is required".into())),
    };
    let provider = match fields.remove("provider") {
        Some(Value::String(p)) => p,
        _ => return Err(ApiError::IllegalArgument("`provider` is required".into())),
    };
    // FCM: the service account's JSON as Google gives it, or its fields.
    if provider == "fcm" {
        if let Some(account) = fields.remove("service_account") {
            let account = match account {
                Value::String(text) => serde_json::from_str(&text).map_err(|e| {
                    ApiError::IllegalArgument(format!("service_account is not JSON: {e}"))
                })?,
                other => other,
            };
            for key in ["project_id", "client_email", "private_key", "token_uri"] {
                if let Some(v) = account.get(key) {
                    fields.insert(key.into(), v.clone());
                }
            }
        }
    }
    let config: ProviderConfig = serde_json::from_value(json!({ provider.clone(): fields }))
        .map_err(|e| ApiError::IllegalArgument(format!("bad {provider} credential: {e}")))?;
    crate::push::check_credential(&config).map_err(ApiError::IllegalArgument)?;
    let credential = PushCredential {
        name,
        created: ctx.node.clock.now_ms(),
        config,
    };
    let saved = ctx
        .node
        .ask(ctx.app.entity_key(), PutPushCredential { credential })
        .await?;
    refresh(&ctx).await?;
    Ok(Envelope::new(&ctx).data(credential_view(&saved)).finish())
}

/// P3.
async fn delete_credential(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let name = path.2.clone();
    ctx.node
        .ask(
            ctx.app.entity_key(),
            DeletePushCredential { name: name.clone() },
        )
        .await?;
    refresh(&ctx).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({ "deleted": name }))
        .finish())
}

async fn refresh(ctx: &AppCtx) -> Result<(), ApiError> {
    let record = ctx.node.ask(ctx.app.entity_key(), GetApp).await?;
    ctx.node.apps.remember(record);
    Ok(())
}

fn user_of(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse(raw).map_err(|e| ApiError::IllegalArgument(e.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Binding {
    device_id: String,
    #[serde(default)]
    notifier_name: String,
    /// Empty: unbind the device.
    #[serde(default)]
    device_token: String,
}

fn bindings_view(list: &[imcloud_actors::push::PushBinding]) -> Vec<Value> {
    list.iter()
        .map(|b| {
            json!({"device_id": b.device_id, "notifier_name": b.notifier_name,
                   "device_token": b.device_token, "updated": b.updated})
        })
        .collect()
}

/// `PUT …/push/binding`: `entities: [bindings]` after the change.
async fn bind(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&path.2)?;
    let b: Binding = parse_json(&body)?;
    let list = ctx
        .node
        .ask(
            ctx.app.user_key(&user),
            SetPushBinding {
                device_id: b.device_id,
                notifier_name: b.notifier_name,
                device_token: b.device_token,
            },
        )
        .await?;
    Ok(Envelope::new(&ctx).entities(bindings_view(&list)).finish())
}

async fn bindings(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&path.2)?;
    let list = ctx
        .node
        .ask(ctx.app.user_key(&user), ListPushBindings)
        .await?;
    Ok(Envelope::new(&ctx).entities(bindings_view(&list)).finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingBody {
    #[serde(rename = "type")]
    kind: Option<NotifyType>,
    #[serde(rename = "ignoreInterval")]
    ignore_interval: Option<String>,
    #[serde(rename = "ignoreDuration")]
    ignore_duration: Option<u64>,
}

fn setting_view(s: &PushSetting) -> Value {
    json!({"type": s.kind, "ignoreInterval": format_interval(s.interval),
           "ignoreDuration": s.quiet_ms})
}

/// Which setting a path names: the user's app-wide one (`user/{self}`),
/// or a 1:1 peer's or a group's.
fn conversation(
    user: &UserId,
    chattype: &str,
    key: &str,
) -> Result<Option<PushConversation>, ApiError> {
    match chattype {
        "user" if key == user.as_str() => Ok(None),
        "user" => Ok(Some(PushConversation {
            group: false,
            id: user_of(key)?.to_string(),
        })),
        "chatgroup" => Ok(Some(PushConversation {
            group: true,
            id: key.to_string(),
        })),
        _ => Err(ApiError::IllegalArgument(
            "chattype must be user or chatgroup".into(),
        )),
    }
}

type SettingPath = web::Path<(String, String, String, String, String)>;

/// `PUT …/notification/{chattype}/{key}`: `data: {"type", "ignoreInterval",
/// "ignoreDuration"}`.
async fn set_setting(
    AppToken(ctx): AppToken,
    path: SettingPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&path.2)?;
    let b: SettingBody = parse_json(&body)?;
    let setting = match conversation(&user, &path.3, &path.4)? {
        None => {
            let interval = match &b.ignore_interval {
                None => None,
                Some(text) => Some(parse_interval(text).map_err(ApiError::IllegalArgument)?),
            };
            let change = SetPushProfile {
                kind: b.kind,
                interval,
                quiet_ms: b.ignore_duration,
                ..Default::default()
            };
            ctx.node
                .ask(ctx.app.user_key(&user), change)
                .await?
                .profile
                .app_wide
        }
        Some(conversation) => {
            if b.ignore_interval.is_some() {
                return Err(ApiError::IllegalArgument(
                    "ignoreInterval is app-wide only".into(),
                ));
            }
            let change = SetConversationPush {
                conversation,
                kind: b.kind,
                quiet_ms: b.ignore_duration,
            };
            ctx.node.ask(ctx.app.user_key(&user), change).await?
        }
    };
    Ok(Envelope::new(&ctx).data(setting_view(&setting)).finish())
}

async fn get_setting(AppToken(ctx): AppToken, path: SettingPath) -> Result<HttpResponse, ApiError> {
    let user = user_of(&path.2)?;
    let setting = match conversation(&user, &path.3, &path.4)? {
        None => {
            ctx.node
                .ask(ctx.app.user_key(&user), GetPushProfile)
                .await?
                .profile
                .app_wide
        }
        Some(conversation) => {
            ctx.node
                .ask(
                    ctx.app.user_key(&user),
                    GetConversationPush { conversation },
                )
                .await?
        }
    };
    Ok(Envelope::new(&ctx).data(setting_view(&setting)).finish())
}
