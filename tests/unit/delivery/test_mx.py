"""MX resolution rules over a DNS table (RFC 5321 5.1, RFC 3974, RFC 7505)."""

from __future__ import annotations

import pytest

from mailcore.delivery import mx


@pytest.fixture
def table(monkeypatch):
    records: dict[tuple[str, str], list[str]] = {}
    broken: set[str] = set()

    def query(name: str, rdtype: str) -> list[str]:
        name = name.rstrip(".")
        if name in broken:
            raise mx.TemporaryDNSError(name)
        if (name, rdtype) in records:
            return records[(name, rdtype)]
        if any(n == name for n, _ in records):
            return []
        raise mx.NoSuchDomain(name)

    monkeypatch.setattr(mx, "query", query)
    records.update(
        {
            ("a.test", "MX"): ["20 mx2.a.test.", "10 mx1.a.test."],
            ("mx1.a.test", "AAAA"): ["2001:db8::1"],
            ("mx1.a.test", "A"): ["192.0.2.1"],
            ("mx2.a.test", "A"): ["192.0.2.2", "192.0.2.3"],
        }
    )
    return records, broken


def test_preference_order_and_both_families(table):
    hops = mx.route("A.test.", 25)
    assert [(h.host, h.address) for h in hops] == [
        ("mx1.a.test", "2001:db8::1"),
        ("mx1.a.test", "192.0.2.1"),
        ("mx2.a.test", "192.0.2.2"),
        ("mx2.a.test", "192.0.2.3"),
    ]
    assert {h.port for h in hops} == {25}


def test_equal_preferences_are_all_tried(table):
    records, _ = table
    records[("b.test", "MX")] = ["10 x.b.test.", "10 y.b.test."]
    records[("x.b.test", "A")] = ["192.0.2.10"]
    records[("y.b.test", "A")] = ["192.0.2.11"]
    seen = {tuple(h.host for h in mx.route("b.test", 25)) for _ in range(40)}
    assert seen == {("x.b.test", "y.b.test"), ("y.b.test", "x.b.test")}


def test_implicit_mx(table):
    records, _ = table
    records[("c.test", "A")] = ["192.0.2.20"]
    assert [(h.host, h.address) for h in mx.route("c.test", 2525)] == [("c.test", "192.0.2.20")]


def test_null_mx_and_missing_domains(table):
    records, _ = table
    records[("null.test", "MX")] = ["0 ."]
    records[("empty.test", "TXT")] = ["v=spf1 -all"]
    with pytest.raises(mx.Unroutable) as null:
        mx.route("null.test", 25)
    assert null.value.permanent and "5.1.10" in null.value.reply
    with pytest.raises(mx.Unroutable) as missing:
        mx.route("nx.test", 25)
    assert missing.value.reply.startswith("550 5.1.2")
    with pytest.raises(mx.Unroutable) as empty:
        mx.route("empty.test", 25)
    assert empty.value.permanent


def test_temporary_errors_defer(table):
    records, broken = table
    broken.add("flaky.test")
    with pytest.raises(mx.Unroutable) as flaky:
        mx.route("flaky.test", 25)
    assert not flaky.value.permanent and flaky.value.reply.startswith("451 4.4.3")
    # MX hosts that do not resolve: try later (the zone may be fixed).
    records[("d.test", "MX")] = ["10 gone.d.test."]
    with pytest.raises(mx.Unroutable) as gone:
        mx.route("d.test", 25)
    assert not gone.value.permanent
    # One broken MX host does not hide the others.
    records[("e.test", "MX")] = ["10 flaky.test.", "20 mx1.a.test."]
    assert [h.host for h in mx.route("e.test", 25)] == ["mx1.a.test", "mx1.a.test"]


def test_address_literals_and_cap(table):
    assert mx.route("[192.0.2.9]", 25) == [mx.Hop("[192.0.2.9]", "192.0.2.9", 25)]
    assert mx.smarthost_route("192.0.2.5", 587) == [mx.Hop("192.0.2.5", "192.0.2.5", 587)]
    records, _ = table
    records[("many.test", "MX")] = [f"{i} h{i}.many.test." for i in range(8)]
    for i in range(8):
        records[(f"h{i}.many.test", "A")] = [f"192.0.2.{i}", f"192.0.2.{i + 100}"]
    assert len(mx.route("many.test", 25)) == mx.MAX_ADDRESSES
