//! The server under test. The harness refuses any address outside
//! 127.0.0.0/8: it generates enough traffic to hurt a machine it was not
//! meant for.

use crate::Error;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Where the server listens and which app the scenario uses. A cluster's
/// nodes are given as several URLs: REST goes to the first, sockets to
/// each in turn.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:8080` (no trailing slash).
    pub http_base: String,
    /// The listener's socket address.
    pub addr: SocketAddr,
    /// `ws://127.0.0.1:8080/ws` (the first node's).
    pub ws_url: String,
    /// The socket address of `ws_url`.
    pub ws_addr: SocketAddr,
    /// `org#app`.
    pub appkey: String,
    org: String,
    app: String,
    /// Every node's WebSocket URL and address, sockets spread over them.
    sockets: Arc<Vec<(String, SocketAddr)>>,
    next_socket: Arc<AtomicUsize>,
}

/// A loopback socket address from an `http://` URL, or a usage error.
pub fn loopback_addr(url: &str) -> Result<SocketAddr, Error> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| Error::Usage(format!("bad url {url}: {e}")))?;
    if parsed.scheme() != "http" {
        return Err(Error::Usage(format!(
            "url {url}: only http:// is supported"
        )));
    }
    let ip = match parsed.host_str() {
        Some("localhost") => Ipv4Addr::LOCALHOST,
        Some(h) => h.parse::<Ipv4Addr>().map_err(|_| {
            Error::Usage(format!("url {url}: the harness only targets 127.0.0.0/8"))
        })?,
        None => return Err(Error::Usage(format!("url {url}: no host"))),
    };
    if !ip.is_loopback() {
        return Err(Error::Usage(format!(
            "url {url}: {ip} is not in 127.0.0.0/8; refusing to load it"
        )));
    }
    let port = parsed.port_or_known_default().unwrap_or(80);
    Ok(SocketAddr::new(IpAddr::V4(ip), port))
}

impl Target {
    /// Checks `url` (loopback only; several, comma-separated, for a
    /// cluster's nodes) and `appkey` (`org#app`).
    pub fn new(url: &str, appkey: &str) -> Result<Target, Error> {
        let urls: Vec<&str> = url
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .collect();
        let Some(first) = urls.first() else {
            return Err(Error::Usage("no url".into()));
        };
        let addr = loopback_addr(first)?;
        let mut sockets = Vec::with_capacity(urls.len());
        for u in &urls {
            let a = loopback_addr(u)?;
            sockets.push((format!("ws://{a}/ws"), a));
        }
        let Some((org, app)) = appkey.split_once('#') else {
            return Err(Error::Usage(format!("app {appkey}: expected org#app")));
        };
        if org.is_empty() || app.is_empty() {
            return Err(Error::Usage(format!("app {appkey}: expected org#app")));
        }
        Ok(Target {
            http_base: format!("http://{addr}"),
            addr,
            ws_url: format!("ws://{addr}/ws"),
            ws_addr: addr,
            appkey: appkey.to_string(),
            org: org.to_string(),
            app: app.to_string(),
            sockets: Arc::new(sockets),
            next_socket: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// The WebSocket URL and address of the next socket: the nodes in turn.
    pub fn next_socket(&self) -> (&str, SocketAddr) {
        let i = self.next_socket.fetch_add(1, Ordering::Relaxed) % self.sockets.len().max(1);
        match self.sockets.get(i) {
            Some((url, addr)) => (url.as_str(), *addr),
            None => (self.ws_url.as_str(), self.ws_addr),
        }
    }

    /// How many nodes sockets are spread over.
    pub fn nodes(&self) -> usize {
        self.sockets.len()
    }

    /// Sockets go to `url` (`ws://`, loopback only) instead of `/ws` on the
    /// HTTP port.
    pub fn with_ws_url(mut self, url: &str) -> Result<Target, Error> {
        let Some(rest) = url.strip_prefix("ws://") else {
            return Err(Error::Usage(format!(
                "ws url {url}: only ws:// is supported"
            )));
        };
        self.ws_addr = loopback_addr(&format!("http://{rest}"))?;
        self.ws_url = url.to_string();
        self.sockets = Arc::new(vec![(self.ws_url.clone(), self.ws_addr)]);
        Ok(self)
    }

    /// `http://host:port/{org}/{app}{rest}`.
    pub fn app_url(&self, rest: &str) -> String {
        format!("{}/{}/{}{rest}", self.http_base, self.org, self.app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_accepted() {
        let t = Target::new("http://127.0.0.1:8080", "demo#chat").expect("loopback");
        assert_eq!(t.ws_url, "ws://127.0.0.1:8080/ws");
        assert_eq!(t.app_url("/users"), "http://127.0.0.1:8080/demo/chat/users");
        assert!(Target::new("http://127.3.4.5:1/", "a#b").is_ok());
        let lean = Target::new("http://127.0.0.1:8080", "demo#chat")
            .and_then(|t| t.with_ws_url("ws://127.0.0.1:8081/ws"))
            .expect("loopback ws url");
        assert_eq!(lean.ws_url, "ws://127.0.0.1:8081/ws");
        assert_eq!(lean.ws_addr.port(), 8081);
        assert_eq!(lean.http_base, "http://127.0.0.1:8080");
        assert!(Target::new("http://127.0.0.1:8080", "demo#chat")
            .and_then(|t| t.with_ws_url("ws://10.0.0.1:8081/ws"))
            .is_err());
        assert_eq!(
            loopback_addr("http://localhost:9000")
                .expect("localhost")
                .port(),
            9000
        );
    }

    #[test]
    fn sockets_go_to_each_node_in_turn() {
        let t =
            Target::new("http://127.0.0.1:8080,http://127.0.0.1:8081", "a#b").expect("two nodes");
        assert_eq!(t.nodes(), 2);
        assert_eq!(t.app_url("/users"), "http://127.0.0.1:8080/a/b/users");
        let ports: Vec<u16> = (0..4).map(|_| t.next_socket().1.port()).collect();
        assert_eq!(ports, [8080, 8081, 8080, 8081]);
        assert_eq!(t.next_socket().0, "ws://127.0.0.1:8080/ws");
        assert!(Target::new("http://127.0.0.1:8080,http://10.0.0.1:8080", "a#b").is_err());
    }

    #[test]
    fn other_hosts_are_refused() {
        for url in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "https://127.0.0.1",
            "http://[::1]:80",
            "http://0.0.0.0:80",
        ] {
            assert!(
                matches!(loopback_addr(url), Err(Error::Usage(_))),
                "{url} accepted"
            );
        }
        assert!(Target::new("http://127.0.0.1:8080", "nohash").is_err());
    }
}
