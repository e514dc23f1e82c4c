//! The S3 backend (aws-sdk-s3). Synchronous to the rest of maestro: each store
//! owns a current-thread tokio runtime and blocks on it.
//!
//! Configuration: the standard AWS chain for credentials and region (default
//! `us-east-1`), `MAESTRO_S3_ENDPOINT` (or `AWS_ENDPOINT_URL`) for S3-compatible
//! servers, `MAESTRO_S3_PATH_STYLE=true|false` (default: true when an endpoint
//! is set). Retries: the SDK's standard mode, 5 attempts with jittered
//! exponential backoff on 5xx, throttling, timeouts and I/O errors.

use super::{Cond, Meta, ObjectStore, Put};
use crate::error::{infra, input, Result};
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use std::io::Write;
use std::path::Path;
use std::time::Duration;
use tokio::runtime::Runtime;

/// Objects above this size are uploaded in parts of this size.
pub const PART_SIZE: u64 = 16 * 1024 * 1024;
const MAX_ATTEMPTS: u32 = 5;

/// A bucket and key prefix on S3 or an S3-compatible server.
pub struct S3Store {
    rt: Runtime,
    client: Client,
    bucket: String,
    prefix: String,
    endpoint: Option<String>,
}

/// Connection settings, from the environment by default.
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    /// Custom endpoint URL.
    pub endpoint: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`).
    pub path_style: Option<bool>,
    /// A fixed access key and secret instead of the AWS credential chain.
    pub static_credentials: Option<(String, String)>,
}

impl S3Settings {
    /// Reads `MAESTRO_S3_ENDPOINT` / `AWS_ENDPOINT_URL` and `MAESTRO_S3_PATH_STYLE`.
    pub fn from_env() -> Result<S3Settings> {
        let endpoint = std::env::var("MAESTRO_S3_ENDPOINT")
            .ok()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .filter(|s| !s.is_empty());
        let path_style = match std::env::var("MAESTRO_S3_PATH_STYLE").ok().as_deref() {
            None | Some("") => None,
            Some("1" | "true" | "yes") => Some(true),
            Some("0" | "false" | "no") => Some(false),
            Some(v) => {
                return Err(input(format!(
                    "MAESTRO_S3_PATH_STYLE=`{v}`: expected true or false"
                )))
            }
        };
        Ok(S3Settings {
            endpoint,
            path_style,
            static_credentials: None,
        })
    }
}

impl S3Store {
    /// Connects (lazily: no request is made here) to `bucket` under `prefix`.
    pub fn new(bucket: &str, prefix: &str, settings: &S3Settings) -> Result<S3Store> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| infra(format!("cannot start the I/O runtime: {e}")))?;
        let shared = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .region(
                    aws_config::meta::region::RegionProviderChain::default_provider()
                        .or_else(Region::new("us-east-1")),
                )
                .load(),
        );
        let mut b = aws_sdk_s3::config::Builder::from(&shared)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_initial_backoff(Duration::from_millis(200)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .read_timeout(Duration::from_secs(60))
                    .build(),
            );
        if let Some(ep) = &settings.endpoint {
            b = b.endpoint_url(ep);
        }
        if let Some((id, secret)) = &settings.static_credentials {
            b = b.credentials_provider(aws_sdk_s3::config::Credentials::new(
                id, secret, None, None, "static",
            ));
        }
        b = b.force_path_style(settings.path_style.unwrap_or(settings.endpoint.is_some()));
        Ok(S3Store {
            rt,
            client: Client::from_conf(b.build()),
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            endpoint: settings.endpoint.clone(),
        })
    }

    /// The endpoint, for caching probe results per server.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or("aws")
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn full(&self, key: &str) -> String {
        super::join_key(&self.prefix, key)
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.full(key))
    }

    async fn put_small(&self, key: &str, src: &Path, cond: &Cond) -> Result<Put> {
        let body = ByteStream::from_path(src)
            .await
            .map_err(|e| input(format!("{}: {e}", src.display())))?;
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.full(key))
            .body(body);
        send_conditional!(self, req, cond, "PUT", key)
    }

    async fn put_multipart(&self, key: &str, src: &Path, size: u64, cond: &Cond) -> Result<Put> {
        let full = self.full(key);
        let up = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&full)
            .send()
            .await
            .map_err(|e| self.fail("CreateMultipartUpload", key, e))?;
        let id = up.upload_id().unwrap_or_default().to_string();
        let result = async {
            let mut parts = Vec::new();
            let mut offset = 0u64;
            let mut n = 1;
            while offset < size {
                let len = PART_SIZE.min(size - offset);
                // Each part streams from the file: memory stays bounded.
                let body = ByteStream::read_from()
                    .path(src)
                    .offset(offset)
                    .length(Length::Exact(len))
                    .build()
                    .await
                    .map_err(|e| input(format!("{}: {e}", src.display())))?;
                let out = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(&full)
                    .upload_id(&id)
                    .part_number(n)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| self.fail("UploadPart", key, e))?;
                parts.push(
                    CompletedPart::builder()
                        .part_number(n)
                        .set_e_tag(out.e_tag().map(str::to_string))
                        .build(),
                );
                offset += len;
                n += 1;
            }
            let req = self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(&full)
                .upload_id(&id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                );
            send_conditional!(self, req, cond, "CompleteMultipartUpload", key)
        }
        .await;
        if !matches!(result, Ok(Put::Written(_))) {
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&full)
                .upload_id(&id)
                .send()
                .await;
        }
        result
    }

    /// Maps an SDK error to maestro's classes: unreachable or 5xx after the
    /// retries is infrastructure (exit 3); anything the user can fix is input.
    fn fail<E, R>(&self, op: &str, key: &str, e: SdkError<E, R>) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + HasStatus,
    {
        let url = self.url(key);
        let status = e.raw_response().map(HasStatus::status_code);
        let code = e.code().unwrap_or("").to_string();
        let msg = e.message().unwrap_or("").to_string();
        match &e {
            _ if missing_credentials(std::error::Error::source(&e)) => input(format!(
                "{url}: {op} failed: no usable AWS credentials; set AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE, or in Actions \
                 run aws-actions/configure-aws-credentials first ({})",
                error_chain(&e)
            )),
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => infra(format!(
                "{url}: {op} failed: cannot reach S3 at {} after {MAX_ATTEMPTS} attempts ({})",
                self.endpoint(),
                error_chain(&e)
            )),
            SdkError::ConstructionFailure(_) => input(format!(
                "{url}: {op} failed: {} (check AWS credentials and region)",
                error_chain(&e)
            )),
            _ if code == "NoSuchBucket" => input(format!(
                "{url}: bucket `{}` does not exist on {}",
                self.bucket,
                self.endpoint()
            )),
            _ if status.is_some_and(|s| s >= 500) => infra(format!(
                "{url}: {op} failed after {MAX_ATTEMPTS} attempts: HTTP {} {code} {msg}",
                status.unwrap_or_default()
            )),
            _ => input(format!(
                "{url}: {op} failed: HTTP {} {code} {msg}",
                status.map_or("?".to_string(), |s| s.to_string())
            )),
        }
    }
}

/// The HTTP status of a raw response.
pub trait HasStatus {
    /// Status code.
    fn status_code(&self) -> u16;
}

impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

/// Whether the request failed because no credentials could be loaded or the
/// configured ones are unusable (not a provider that timed out: that is
/// infrastructure).
fn missing_credentials(source: Option<&(dyn std::error::Error + 'static)>) -> bool {
    use aws_credential_types::provider::error::CredentialsError;
    let mut cur = source;
    while let Some(c) = cur {
        if let Some(ce) = c.downcast_ref::<CredentialsError>() {
            return !matches!(ce, CredentialsError::ProviderTimedOut(_));
        }
        cur = c.source();
    }
    false
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// 412, or 409 (a concurrent conditional write is in flight): the caller
/// re-reads and tries again.
/// Sends a write request (`PutObject`, `CompleteMultipartUpload`: their
/// builders share no trait) under the precondition `cond`: the new etag, or
/// `PreconditionFailed` when the server answers 412.
macro_rules! send_conditional {
    ($store:expr, $req:expr, $cond:expr, $op:literal, $key:expr) => {{
        let req = match $cond {
            Cond::Always => $req,
            Cond::IfAbsent => $req.if_none_match("*"),
            Cond::IfMatch(e) => $req.if_match(e),
        };
        match req.send().await {
            Ok(out) => Ok(Put::Written(out.e_tag().unwrap_or_default().to_string())),
            Err(e) if precondition_failed(&e) => Ok(Put::PreconditionFailed),
            Err(e) => Err($store.fail($op, $key, e)),
        }
    }};
}
use send_conditional;

fn precondition_failed<E, R: HasStatus>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::ServiceError(_))
        && e.raw_response()
            .is_some_and(|r| matches!(r.status_code(), 412 | 409))
}

fn not_found<E: ProvideErrorMetadata, R: HasStatus>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::ServiceError(_))
        && (e.raw_response().is_some_and(|r| r.status_code() == 404)
            && e.code() != Some("NoSuchBucket"))
}

fn to_ms(t: Option<&aws_sdk_s3::primitives::DateTime>) -> i64 {
    t.and_then(|d| d.to_millis().ok()).unwrap_or(0)
}

impl ObjectStore for S3Store {
    fn head(&self, key: &str) -> Result<Option<Meta>> {
        self.rt.block_on(async {
            match self
                .client
                .head_object()
                .bucket(&self.bucket)
                .key(self.full(key))
                .send()
                .await
            {
                Ok(o) => Ok(Some(Meta {
                    key: key.to_string(),
                    etag: o.e_tag().unwrap_or_default().to_string(),
                    size: o.content_length().unwrap_or(0).max(0) as u64,
                    modified_ms: to_ms(o.last_modified()),
                })),
                Err(e) if not_found(&e) => Ok(None),
                Err(e) => Err(self.fail("HEAD", key, e)),
            }
        })
    }

    fn get_to_file(&self, key: &str, dest: &Path) -> Result<Option<Meta>> {
        self.rt.block_on(async {
            let o = match self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(self.full(key))
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) if not_found(&e) => return Ok(None),
                Err(e) => return Err(self.fail("GET", key, e)),
            };
            let meta = Meta {
                key: key.to_string(),
                etag: o.e_tag().unwrap_or_default().to_string(),
                size: o.content_length().unwrap_or(0).max(0) as u64,
                modified_ms: to_ms(o.last_modified()),
            };
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(dest)
                    .map_err(|e| input(format!("{}: {e}", dest.display())))?,
            );
            let mut body = o.body;
            while let Some(chunk) = body.next().await {
                let chunk = chunk
                    .map_err(|e| infra(format!("{}: download interrupted: {e}", self.url(key))))?;
                out.write_all(&chunk)
                    .map_err(|e| input(format!("{}: {e}", dest.display())))?;
            }
            out.flush()
                .map_err(|e| input(format!("{}: {e}", dest.display())))?;
            Ok(Some(meta))
        })
    }

    fn put_file(&self, key: &str, src: &Path, cond: &Cond) -> Result<Put> {
        let size = std::fs::metadata(src)
            .map_err(|e| input(format!("{}: {e}", src.display())))?
            .len();
        self.rt.block_on(async {
            if size > PART_SIZE {
                self.put_multipart(key, src, size, cond).await
            } else {
                self.put_small(key, src, cond).await
            }
        })
    }

    fn list(&self, prefix: &str) -> Result<Vec<Meta>> {
        self.rt.block_on(async {
            let full = self.full(prefix);
            let strip = if self.prefix.is_empty() {
                0
            } else {
                self.prefix.len() + 1
            };
            let mut out = Vec::new();
            let mut pages = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&full)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| self.fail("LIST", prefix, e))?;
                for o in page.contents() {
                    let k = o.key().unwrap_or_default();
                    out.push(Meta {
                        key: k.get(strip..).unwrap_or(k).to_string(),
                        etag: o.e_tag().unwrap_or_default().to_string(),
                        size: o.size().unwrap_or(0).max(0) as u64,
                        modified_ms: to_ms(o.last_modified()),
                    });
                }
            }
            Ok(out)
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.rt.block_on(async {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(self.full(key))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.fail("DELETE", key, e))
        })
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }
}
