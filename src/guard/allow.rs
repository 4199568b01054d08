//! Who is calling: the client's address (the peer, or behind trusted
//! proxies the right-most `X-Forwarded-For` address that is not itself a
//! trusted proxy) and the app's REST allow-list (§10.1) it is checked
//! against.

use actix_web::http::header::HeaderValue;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// Most `X-Forwarded-For` hops read from the right; a chain of trusted
/// proxies longer than this is not believed further.
const MAX_HOPS: usize = 16;

/// An address or CIDR block (`10.1.2.3`, `10.0.0.0/8`, `::1`, `fd00::/8`).
pub fn parse_net(entry: &str) -> Option<IpNet> {
    let entry = entry.trim();
    match entry.parse::<IpNet>() {
        Ok(net) => Some(net.trunc()),
        Err(_) => Some(IpNet::from(entry.parse::<IpAddr>().ok()?.to_canonical())),
    }
}

/// A set of networks.
#[derive(Debug, Clone, Default)]
pub struct Nets(Vec<IpNet>);

impl Nets {
    /// The networks of `entries`; an entry that does not parse matches
    /// nothing (callers validated them: app settings and the config).
    pub fn parse(entries: &[String]) -> Nets {
        Nets(entries.iter().filter_map(|e| parse_net(e)).collect())
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// An app's REST allow-list: empty lets every address in.
#[derive(Debug, Clone)]
pub struct AllowList {
    /// The list was empty.
    open: bool,
    nets: Nets,
}

impl AllowList {
    /// The list of `entries` (the app's `rest_allow_list`, normalized
    /// networks). An entry that does not parse lets nobody in, so a broken
    /// list stays closed rather than open.
    pub fn parse(entries: &[String]) -> AllowList {
        AllowList {
            open: entries.is_empty(),
            nets: Nets::parse(entries),
        }
    }

    /// Whether a call from `client` may go on (an unknown address only
    /// when the list is empty).
    pub fn permits(&self, client: Option<IpAddr>) -> bool {
        self.open || client.is_some_and(|ip| self.nets.contains(ip))
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port
/// (`1.2.3.4:80`, `[::1]:80`) or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(ip.to_canonical())
}

/// The client's address. The peer's, unless the peer is a trusted proxy:
/// then the right-most address of `forwarded_for` (the `X-Forwarded-For`
/// header lines in order) that is not a trusted proxy. An entry that does
/// not parse ends the walk at the nearest address known; a chain of
/// trusted proxies only gives its left-most one.
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl Iterator<Item = &'a HeaderValue>,
    trusted: &Nets,
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(peer) {
        return Some(peer);
    }
    // A line that is not text stays in the list as one bad entry: dropping
    // it could drop the proxy's own entry appended to it and leave only
    // what the client wrote.
    let hops: Vec<&str> = forwarded_for
        .flat_map(|v| v.to_str().unwrap_or("not text").split(','))
        .filter(|h| !h.trim().is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev().take(MAX_HOPS) {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !trusted.contains(ip) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(entries: &[&str]) -> Nets {
        Nets::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn an_allow_list_matches_addresses_and_blocks_and_fails_closed() {
        let list =
            |e: &[&str]| AllowList::parse(&e.iter().map(|e| e.to_string()).collect::<Vec<_>>());
        let open = list(&[]);
        assert!(open.permits(Some(ip("203.0.113.9"))) && open.permits(None));
        let some = list(&["127.0.0.2/32", "10.0.0.0/8", "::1/128"]);
        assert!(some.permits(Some(ip("127.0.0.2"))));
        assert!(some.permits(Some(ip("10.200.1.1"))));
        assert!(some.permits(Some(ip("::1"))));
        assert!(!some.permits(Some(ip("127.0.0.3"))));
        assert!(!some.permits(None));
        // An IPv4 peer seen through a dual-stack socket.
        let mapped = client_address(Some(ip("::ffff:127.0.0.2")), std::iter::empty(), &nets(&[]));
        assert!(some.permits(mapped));
        let broken = list(&["not-an-address"]);
        assert!(!broken.permits(Some(ip("127.0.0.1"))));
    }

    #[test]
    fn only_a_trusted_peers_forwarded_for_is_believed_from_the_right() {
        let trusted = nets(&["127.0.0.5", "10.0.0.0/8"]);
        let from = |peer: &str, xff: &[&str]| {
            let lines: Vec<HeaderValue> = xff
                .iter()
                .map(|v| HeaderValue::from_str(v).unwrap())
                .collect();
            client_address(Some(ip(peer)), lines.iter(), &trusted).unwrap()
        };
        // An untrusted peer's header is ignored.
        assert_eq!(from("127.0.0.3", &["127.0.0.2"]), ip("127.0.0.3"));
        // A trusted peer: the right-most address that is not a proxy.
        assert_eq!(from("127.0.0.5", &["127.0.0.2"]), ip("127.0.0.2"));
        assert_eq!(
            from("127.0.0.5", &["198.51.100.1, 127.0.0.2, 10.1.1.1"]),
            ip("127.0.0.2")
        );
        // Several header lines are one list, in order.
        assert_eq!(
            from("127.0.0.5", &["127.0.0.2", "127.0.0.4"]),
            ip("127.0.0.4")
        );
        // Ports and brackets, IPv6.
        assert_eq!(from("127.0.0.5", &["[2001:db8::1]:443"]), ip("2001:db8::1"));
        assert_eq!(from("127.0.0.5", &["127.0.0.2:5000"]), ip("127.0.0.2"));
        // No header, or only proxies: the nearest address known.
        assert_eq!(from("127.0.0.5", &[]), ip("127.0.0.5"));
        assert_eq!(from("127.0.0.5", &["10.0.0.1, 10.0.0.2"]), ip("10.0.0.1"));
        // Garbage ends the walk at the last good hop.
        assert_eq!(
            from("127.0.0.5", &["127.0.0.2, junk, 10.0.0.7"]),
            ip("10.0.0.7")
        );
        // A line that is not text is one bad entry, with whatever a proxy
        // appended to it: what the client wrote before it is not believed.
        let lines = [
            HeaderValue::from_static("127.0.0.2"),
            HeaderValue::from_bytes(b"\xff, 127.0.0.3").unwrap(),
        ];
        let client = client_address(Some(ip("127.0.0.5")), lines.iter(), &trusted);
        assert_eq!(client, Some(ip("127.0.0.5")));
        assert_eq!(client_address(None, std::iter::empty(), &trusted), None);
    }
}
