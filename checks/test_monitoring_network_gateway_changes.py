"""MON-12: network gateway changes are monitored (CIS v5 4.12, v6/v7 5.12)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-12", severity="low", frameworks={CIS_5: "4.12", CIS_6: "5.12", CIS_7: "5.12"},
         remediation=monitoring.remediation("network-gateway-changes", "NetworkGatewayChanges"))
def test_watches_network_gateway_changes(alarm_chains):
    """Network gateway changes are monitored

    Internet and customer gateways are the ways in and out of a VPC. An alarm on gateways created, attached,
    detached or deleted shows a new path to the internet or to another network when it appears.

    Security Hub checks this topic as CloudWatch.12 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("network-gateway-changes")
    assert chain.complete, chain.why
