//! Attachments (Easemob §5.5): F1 `POST /chatfiles` takes one multipart
//! field `file` (at most `rest.max_file_bytes`, 10 MiB by default: 413
//! above), writes it as a content-addressed blob, makes a thumbnail of an
//! image over 10 KB, and records the upload with a generated share-secret;
//! F2 `GET /chatfiles/{uuid}` serves it with its content type and range
//! requests, the thumbnail with `thumbnail: true` (header or query), and a
//! restricted file only with its `share-secret` (header or query). Both
//! take a user token (the SDKs upload and download as their user).

use super::envelope::Envelope;
use super::extract::{AppCtx, Authed};
use crate::error::ApiError;
use crate::files::{thumbnail, BlobStore};
use crate::routes::Register as _;
use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use futures_util::StreamExt;
use imcloud_actors::app::files::FileRecord;
use imcloud_actors::app::{GetFile, PutFile};
use imcloud_actors::DomainError;
use rand::RngCore;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/chatfiles", upload)
        .get("/{org}/{app}/chatfiles/{uuid}", download);
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn side(req: &HttpRequest, name: &str) -> Result<u32, ApiError> {
    match header(req, name) {
        None => Ok(thumbnail::DEFAULT_SIDE),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=thumbnail::MAX_SIDE).contains(n))
            .ok_or_else(|| {
                ApiError::IllegalArgument(format!(
                    "{name} must be 1 to {} pixels",
                    thumbnail::MAX_SIDE
                ))
            }),
    }
}

/// The uploaded file: its bytes, name and type.
struct Upload {
    bytes: Vec<u8>,
    filename: String,
    content_type: String,
}

/// Reads the `file` field (the others are skipped), at most `max` bytes.
async fn read_file(mut parts: Multipart, max: usize) -> Result<Option<Upload>, ApiError> {
    let mut found = None;
    while let Some(field) = parts.next().await {
        let mut field = field.map_err(|e| ApiError::InvalidBody(e.to_string()))?;
        let is_file = field.name() == Some("file");
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("file")
            .chars()
            .take(255)
            .collect::<String>();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::InvalidBody(e.to_string()))?;
            if !is_file {
                continue;
            }
            if bytes.len() + chunk.len() > max {
                return Err(ApiError::FileTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file && found.is_none() {
            let content_type = field
                .content_type()
                .map(|m| m.essence_str().to_string())
                .filter(|m| m != "application/octet-stream")
                .unwrap_or_else(|| {
                    actix_files::file_extension_to_mime(
                        filename.rsplit('.').next().unwrap_or_default(),
                    )
                    .essence_str()
                    .to_string()
                });
            found = Some(Upload {
                bytes,
                filename,
                content_type,
            });
        }
    }
    Ok(found)
}

async fn upload(
    Authed { ctx, .. }: Authed,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let restricted =
        header(&req, "restrict-access").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let (width, height) = (
        side(&req, "thumbnail-width")?,
        side(&req, "thumbnail-height")?,
    );
    let parts = Multipart::new(req.headers(), payload);
    let max = ctx.node.config.rest.max_file_bytes;
    let Some(file) = read_file(parts, max).await? else {
        return Err(ApiError::IllegalArgument("file must be provided.".into()));
    };
    let blobs = BlobStore::new(&ctx.node.config.server.data_dir);
    let content_type = file.content_type.clone();
    let stored = web::block(move || {
        let blob = blobs.put(&file.bytes, &content_type)?;
        let thumb = (content_type.starts_with("image/") && file.bytes.len() > thumbnail::MIN_BYTES)
            .then(|| thumbnail::make(&file.bytes, width, height))
            .flatten()
            .map(|(t, ct)| blobs.put(&t, ct))
            .transpose()?;
        Ok::<_, std::io::Error>((blob, thumb))
    })
    .await
    .map_err(|_| ApiError::Domain(DomainError::Internal))?;
    let (blob, thumbnail) = stored.map_err(|e| {
        tracing::error!(error = %e, "writing an upload failed");
        ApiError::Domain(DomainError::Internal)
    })?;
    let mut secret = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut secret);
    let record = FileRecord {
        uuid: uuid::Uuid::new_v4().to_string(),
        blob,
        thumbnail,
        filename: file.filename,
        restricted,
        secret: URL_SAFE_NO_PAD.encode(secret),
        created: ctx.node.clock.now_ms(),
    };
    let entity = json!({"uuid": record.uuid, "type": "chatfile", "share-secret": record.secret});
    ctx.node
        .ask(ctx.app.entity_key(), PutFile { file: record })
        .await?;
    Ok(Envelope::new(&ctx).entities(vec![entity]).finish())
}

/// Whether `given` is `secret`, compared in constant time.
fn same_secret(given: &str, secret: &str) -> bool {
    given.len() == secret.len()
        && given
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn download(
    ctx: AppCtx,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let uuid = path.2.clone();
    if uuid.len() > 64 {
        return Err(ApiError::FileNotFound);
    }
    let record = ctx
        .node
        .ask(ctx.app.entity_key(), GetFile { uuid })
        .await?
        .ok_or(ApiError::FileNotFound)?;
    if record.restricted {
        let given = header(&req, "share-secret")
            .map(str::to_string)
            .or_else(|| {
                ctx.params
                    .get("share-secret")
                    .and_then(|v| v.as_array()?.first()?.as_str().map(str::to_string))
            })
            .unwrap_or_default();
        if !same_secret(&given, &record.secret) {
            return Err(ApiError::FileRestricted);
        }
    }
    // A header, or (as the Web SDK writes thumbnail links) the query.
    let want_thumb = header(&req, "thumbnail")
        .or_else(|| ctx.param("thumbnail"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let blob = match (&record.thumbnail, want_thumb) {
        (Some(t), true) => t,
        _ => &record.blob,
    };
    let blobs = BlobStore::new(&ctx.node.config.server.data_dir);
    let file_path = blobs.path(&blob.sha256).ok_or(ApiError::FileNotFound)?;
    let file = actix_files::NamedFile::open_async(&file_path)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, path = %file_path.display(), "an upload's blob is missing");
            ApiError::FileNotFound
        })?;
    let mime: actix_web::mime::Mime = blob
        .content_type
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    let disposition = actix_web::http::header::ContentDisposition {
        disposition: actix_web::http::header::DispositionType::Inline,
        parameters: vec![actix_web::http::header::DispositionParam::Filename(
            record.filename.clone(),
        )],
    };
    Ok(file
        .set_content_type(mime)
        .set_content_disposition(disposition)
        .use_etag(true)
        .into_response(&req))
}
