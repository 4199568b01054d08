//! An app's settings over REST (imcloud §14.1): S1 reads every setting,
//! S2 changes some. A body key that is unknown or of the wrong type is
//! refused here, naming the key; a value out of range is refused by the
//! App entity, naming the key; either way nothing changes. A change takes
//! effect on the next request or message on every node (the App entity
//! publishes it on the node bus and gateways drop their cached copy).

use super::envelope::Envelope;
use super::extract::{AppToken, Body};
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::app::{AppSettings, SettingsPatch};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/settings", get)
        .put("/{org}/{app}/settings", put);
}

async fn get(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let data = settings_json(&ctx.record.settings)?;
    Ok(Envelope::new(&ctx).data(data).finish())
}

async fn put(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let object: Map<String, Value> = super::parse_json(&body)?;
    let patch = parse_patch(object)?;
    let record = ctx.node.patch_app_settings(&ctx.app, patch).await?;
    let data = settings_json(&record.settings)?;
    Ok(Envelope::new(&ctx).data(data).finish())
}

fn settings_json(s: &AppSettings) -> Result<Value, ApiError> {
    serde_json::to_value(s).map_err(|e| {
        tracing::error!(error = %e, "app settings do not encode");
        ApiError::Domain(imcloud_actors::DomainError::Internal)
    })
}

/// `value` as the type of setting `key`, or an error naming the key.
fn field<T: DeserializeOwned>(key: &str, value: Value) -> Result<Option<T>, ApiError> {
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| ApiError::IllegalArgument(format!("setting `{key}`: {e}")))
}

/// The patch a `PUT /settings` body asks for.
pub fn parse_patch(object: Map<String, Value>) -> Result<SettingsPatch, ApiError> {
    let mut p = SettingsPatch::default();
    for (key, value) in object {
        let k = key.as_str();
        match k {
            "plan" => p.plan = field(k, value)?,
            "user_send_rate" => p.user_send_rate = field(k, value)?,
            "user_send_burst" => p.user_send_burst = field(k, value)?,
            "rest_rate_per_s" => p.rest_rate_per_s = field(k, value)?,
            "token_ttl_secs" => p.token_ttl_secs = field(k, value)?,
            "open_registration" => p.open_registration = field(k, value)?,
            "group_max_users" => p.group_max_users = field(k, value)?,
            "groups_per_user" => p.groups_per_user = field(k, value)?,
            "chatroom_max_users" => p.chatroom_max_users = field(k, value)?,
            "friends_per_user" => p.friends_per_user = field(k, value)?,
            "recall_enabled" => p.recall_enabled = field(k, value)?,
            "recall_window_secs" => p.recall_window_secs = field(k, value)?,
            "friend_check" => p.friend_check = field(k, value)?,
            "sensitive_words" => p.sensitive_words = field(k, value)?,
            "rest_allow_list" => p.rest_allow_list = field(k, value)?,
            "max_devices" => p.max_devices = field(k, value)?,
            "max_message_bytes" => p.max_message_bytes = field(k, value)?,
            "retention_days" => p.retention_days = field(k, value)?,
            "push_policy" => p.push_policy = field(k, value)?,
            _ => {
                return Err(ApiError::IllegalArgument(format!(
                    "setting `{key}` does not exist"
                )))
            }
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(v: Value) -> Result<SettingsPatch, String> {
        let Value::Object(m) = v else { panic!() };
        parse_patch(m).map_err(|e| e.public_message())
    }

    #[test]
    fn every_key_of_the_settings_record_can_be_patched() {
        let all = serde_json::to_value(AppSettings::default()).unwrap();
        let p = patch(all).unwrap();
        assert_eq!(
            AppSettings::default().patched(&p).unwrap(),
            AppSettings::default()
        );
    }

    #[test]
    fn an_unknown_key_or_a_wrong_type_is_named() {
        assert!(patch(json!({"friend_check": true, "colour": 1}))
            .unwrap_err()
            .contains("`colour`"));
        assert!(patch(json!({"recall_window_secs": "soon"}))
            .unwrap_err()
            .contains("`recall_window_secs`"));
        assert!(patch(json!({"sensitive_words": "shout"}))
            .unwrap_err()
            .contains("`sensitive_words`"));
    }
}
