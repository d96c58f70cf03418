"""MON-15: aWS Organizations changes are monitored (CIS v5 4.15, v6/v7 5.15)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-15", severity="medium", frameworks={CIS_5: "4.15", CIS_6: "5.15", CIS_7: "5.15"},
         remediation=monitoring.remediation("organizations-changes", "OrganizationsChanges"))
def test_watches_organizations_changes(alarm_chains):
    """AWS Organizations changes are monitored

    Organizations calls add and remove accounts, move them between OUs and change the policies that bind them all.
    An alarm on each shows a change to the guardrails of every account, or an account taken out of them.
    """
    chain = alarm_chains.of("organizations-changes")
    assert chain.complete, chain.why
