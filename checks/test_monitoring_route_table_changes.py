"""MON-13: route table changes are monitored (CIS v5 4.13, v6/v7 5.13)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-13", severity="low", frameworks={CIS_5: "4.13", CIS_6: "5.13", CIS_7: "5.13"},
         remediation=monitoring.remediation("route-table-changes", "RouteTableChanges"))
def test_watches_route_table_changes(alarm_chains):
    """Route table changes are monitored

    Routes decide where a subnet's traffic goes. An alarm on routes and route tables created, replaced, deleted or
    re-associated shows traffic sent through a new hop, or a subnet given a route to the internet.

    Security Hub checks this topic as CloudWatch.13 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("route-table-changes")
    assert chain.complete, chain.why
