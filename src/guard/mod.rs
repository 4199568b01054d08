//! The gateway's guard: what a request must pass before any entity sees
//! it. The node holds one [`Guard`].
//!
//! - [`admission`]: node-wide caps on requests in flight, REST and
//!   WebSocket (refused at once when full).
//! - [`classes`]: the REST endpoint classes of spec §9 and their budgets.
//! - [`rates`]: one app's rate limiters, a GCRA limiter per class.
//! - [`allow`]: the client's address behind trusted proxies, and the
//!   app's REST allow-list (§10.1).
//! - [`app_rules`]: the allow-list and limiters of each app, kept per app
//!   record version.
//!
//! A REST call of an app passes, in order: admission (a middleware around
//! the REST routes), the app lookup (an unknown app is 404 and leaves no
//! state here), the allow-list (so calls from elsewhere cannot spend the
//! app's budget), then its class's budget ([`Guard::check_rest`], from the
//! `AppCtx` extractor). Limits are per node: a cluster of N nodes lets an
//! app make up to N times its budget.

pub mod admission;
pub mod allow;
pub mod app_rules;
pub mod classes;
pub mod rates;

use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::GatewayMetrics;
use actix_web::http::header::HeaderName;
use actix_web::HttpRequest;
use admission::InFlight;
use allow::Nets;
use app_rules::AppRulesCache;
use classes::EndpointClass;
use imcloud_actors::app::AppRecord;
use imcloud_shards::Clock;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

pub struct Guard {
    /// REST requests in flight on this node (`rest.max_inflight`).
    pub rest_requests: InFlight,
    /// Device requests in flight on this node (`ws.max_node_inflight`).
    pub device_requests: InFlight,
    trusted_proxies: Nets,
    apps: AppRulesCache,
    metrics: Arc<GatewayMetrics>,
}

/// Who a REST call comes from, as far as the allow-list cares: the
/// app's allow-list guards its server API, not its users' devices (calls
/// with a user token, attachment downloads), which come from anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestCaller {
    AppServer,
    Device,
}

impl Guard {
    pub fn new(config: &Config, clock: Clock, metrics: Arc<GatewayMetrics>) -> Guard {
        Guard {
            rest_requests: InFlight::new(config.rest.max_inflight),
            device_requests: InFlight::new(config.ws.max_node_inflight),
            trusted_proxies: Nets::parse(&config.rest.trusted_proxies),
            apps: AppRulesCache::new(clock),
            metrics,
        }
    }

    /// Checks a REST call of the app of `record`: its client's address
    /// against the app's allow-list, then its class's budget.
    pub fn check_rest(
        &self,
        req: &HttpRequest,
        record: &AppRecord,
        caller: RestCaller,
    ) -> Result<(), ApiError> {
        let rules = self.apps.rules(record);
        let forwarded = req.headers().get_all(X_FORWARDED_FOR);
        let client = allow::client_address(
            req.peer_addr().map(|a| a.ip()),
            forwarded,
            &self.trusted_proxies,
        );
        if caller == RestCaller::AppServer && !rules.allow.permits(client) {
            self.metrics
                .rest_not_allowed
                .fetch_add(1, Ordering::Relaxed);
            let shown = client.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
            return Err(ApiError::NotInAllowList(shown));
        }
        let class = EndpointClass::of(req.method(), req.match_pattern().as_deref());
        rules.rates.check(class).map_err(|wait| {
            self.metrics
                .rest_rate_limited
                .fetch_add(1, Ordering::Relaxed);
            // Whole seconds, rounded up: a client that waits that long passes.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::RateLimited {
                retry_after_secs: secs.max(1),
            }
        })
    }

    /// Apps whose allow-list and limiters are held.
    pub fn apps_tracked(&self) -> usize {
        self.apps.len()
    }
}
