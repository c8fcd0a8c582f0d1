use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

/// The address other hosts reach a server at, given the address it is bound to: the bound
/// address itself, unless that is a wildcard (`0.0.0.0`, `::`), which no client can dial. Then
/// `POD_IP` when set (Kubernetes' downward API, as go-zero reads it), else the address of
/// the interface that routes off this host.
pub fn advertised_addr(bound: SocketAddr) -> SocketAddr {
    if !bound.ip().is_unspecified() {
        return bound;
    }
    let ip = std::env::var("POD_IP")
        .ok()
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .or_else(routed_ip)
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    SocketAddr::new(ip, bound.port())
}

/// The source address the kernel would pick for an outgoing packet: connecting a UDP socket
/// only selects a route, it sends nothing. 192.0.2.1 is a documentation address (RFC 5737),
/// never a real peer.
fn routed_ip() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concrete_address_is_kept() {
        let bound: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(advertised_addr(bound), bound);
    }

    #[test]
    fn a_wildcard_becomes_a_dialable_address_with_the_same_port() {
        let advertised = advertised_addr("0.0.0.0:8080".parse().unwrap());
        assert_eq!(advertised.port(), 8080);
        assert!(!advertised.ip().is_unspecified());
    }
}
