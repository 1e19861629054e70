"""Where mail for a domain goes: MX lookup with the implicit-MX and null-MX rules.

RFC 5321 5.1: MX hosts in order of preference (random among equals), each host's
addresses tried in turn; no MX record means the domain itself is the one host. RFC 3974:
a host's IPv6 and IPv4 addresses are all candidates, so an unreachable family falls back
to the other. RFC 7505: a single MX "0 ." says the domain accepts no mail at all.

`query` is the only function here that talks to DNS; tests replace it with a table.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

import dns.exception
import dns.resolver

# Addresses tried per delivery attempt, across all MX hosts (RFC 5321 5.1 asks for at
# least two; more only slows down the failure of a dead domain).
MAX_ADDRESSES = 10
DNS_LIFETIME = 20.0


class NoSuchDomain(Exception):
    """NXDOMAIN: the name does not exist."""


class TemporaryDNSError(Exception):
    """SERVFAIL, timeout, no reachable name server: try again later."""


@dataclass(frozen=True)
class Hop:
    """One address to try: the host name it belongs to (for Remote-MTA) and where."""

    host: str
    address: str
    port: int


class Unroutable(Exception):
    """No address to try; `reply` is an SMTP-style reply like "550 5.1.10 ..." and its
    first digit says whether to give up (5) or try again later (4)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply

    @property
    def permanent(self) -> bool:
        return self.reply.startswith("5")


def query(name: str, rdtype: str) -> list[str]:
    """The records of one type as text ("10 mx.example.net." for MX, addresses for A and
    AAAA); [] when the name exists without such records."""
    try:
        answer = dns.resolver.resolve(name, rdtype, search=False, lifetime=DNS_LIFETIME)
    except dns.resolver.NXDOMAIN as exc:
        raise NoSuchDomain(name) from exc
    except dns.resolver.NoAnswer:
        return []
    except (dns.resolver.NoNameservers, dns.exception.Timeout, dns.resolver.YXDOMAIN) as exc:
        raise TemporaryDNSError(f"{name} {rdtype}: {exc}") from exc
    return [record.to_text() for record in answer]


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def host_addresses(host: str) -> list[str]:
    """AAAA then A addresses of a host (RFC 3974: both families are candidates)."""
    literal = _literal(host)
    if literal:
        return [literal]
    addresses: list[str] = []
    temporary: TemporaryDNSError | None = None
    for rdtype in ("AAAA", "A"):
        try:
            addresses += query(host, rdtype)
        except NoSuchDomain:
            return []
        except TemporaryDNSError as exc:
            temporary = exc
    if not addresses and temporary:
        raise temporary
    return addresses


def mx_hosts(domain: str) -> list[str] | None:
    """MX host names of a domain in the order to try them; [] for a null MX, None when
    the domain has no MX records (RFC 5321 5.1: the domain itself is the implicit MX)."""
    try:
        records = query(domain, "MX")
    except NoSuchDomain:
        raise Unroutable(f"550 5.1.2 domain {domain} does not exist") from None
    except TemporaryDNSError as exc:
        raise Unroutable(f"451 4.4.3 DNS lookup failed: {exc}") from None
    if not records:
        return None
    by_preference: dict[int, list[str]] = {}
    for record in records:
        number, _, exchange = record.partition(" ")
        by_preference.setdefault(int(number), []).append(exchange.strip().rstrip("."))
    hosts: list[str] = []
    for preference in sorted(by_preference):
        group = by_preference[preference]
        random.shuffle(group)  # RFC 5321 5.1: spread load across equal preferences
        hosts += [h for h in group if h]
    return hosts


def route(domain: str, port: int) -> list[Hop]:
    """Every address to try for `domain`, best first; raises Unroutable."""
    domain = domain.lower().rstrip(".")
    literal = _literal(domain) if domain.startswith("[") else None
    if literal:  # an address literal: user@[192.0.2.1]
        return [Hop(domain, literal, port)]
    hosts = mx_hosts(domain)
    if hosts is None:
        try:
            addresses = host_addresses(domain)
        except TemporaryDNSError as exc:
            raise Unroutable(f"451 4.4.3 DNS lookup failed: {exc}") from None
        if not addresses:
            raise Unroutable(f"550 5.1.2 domain {domain} has no MX and no address")
        return [Hop(domain, address, port) for address in addresses[:MAX_ADDRESSES]]
    if not hosts:
        raise Unroutable(f"556 5.1.10 domain {domain} accepts no mail (null MX)")
    return _hops(hosts, port, f"domain {domain}")


def smarthost_route(host: str, port: int) -> list[Hop]:
    """The addresses of the configured smarthost (A/AAAA, never MX)."""
    return _hops([host], port, f"relay host {host}")


def _hops(hosts: list[str], port: int, what: str) -> list[Hop]:
    hops: list[Hop] = []
    temporary = False
    for host in hosts:
        try:
            addresses = host_addresses(host)
        except TemporaryDNSError:
            temporary = True
            continue
        hops += [Hop(host, address, port) for address in addresses]
        if len(hops) >= MAX_ADDRESSES:
            break
    if not hops:
        why = "DNS lookup failed" if temporary else "no address found"
        raise Unroutable(f"451 4.4.4 {what}: {why} for {', '.join(hosts)}")
    return hops[:MAX_ADDRESSES]
