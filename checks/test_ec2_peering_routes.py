"""EC2-7: no route sends all traffic to a VPC peering connection; the other peering routes are shown for review."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7
from awsaudit.network import every


@control("EC2-7", severity="medium", frameworks={CIS_5: "5.6", CIS_6: "6.6", CIS_7: "6.6"},
         remediation="""
         For each route table named, replace the route to 0.0.0.0/0 (or ::/0) through the peering connection with
         routes to the peer's subnets that need it:
         aws ec2 delete-route --route-table-id RTB --destination-cidr-block 0.0.0.0/0 --region REGION, then
         aws ec2 create-route --route-table-id RTB --destination-cidr-block PEER_SUBNET_CIDR
         --vpc-peering-connection-id PCX --region REGION.
         Review the other peering routes in the evidence: each should name the peer's ranges that need it, no more.
         """)
def test_peering_routes_are_least_access(route_tables, vpc_peering_connections, findings):
    """No route sends 0.0.0.0/0 or ::/0 to a VPC peering connection

    A peering connection joins two networks; routing everything through it exposes the whole peer to the subnet and
    back. CIS asks for routes no wider than what must reach the peer, which only a person can judge: the routes that
    are not plainly too wide are listed in the evidence for that review.
    """
    tables = [table for table in every(route_tables) if table.peering_routes]
    peers = {pcx: str(connection) for connections in vpc_peering_connections.values()
             for pcx, connection in connections.items()}
    findings.evidence["peering routes to review"] = {
        str(table.resource): [f"{route.destination} -> {peers.get(route.peering, route.peering)}"
                              for route in table.peering_routes if not route.to_everywhere] for table in tables}
    findings.judge("route tables with peering routes", [table.resource for table in tables], {
        table.resource: ", ".join(f"{route.destination} -> {route.peering}"
                                  for route in table.peering_routes if route.to_everywhere)
        for table in tables if any(route.to_everywhere for route in table.peering_routes)})
