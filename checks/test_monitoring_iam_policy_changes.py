"""MON-4: iAM policy changes are monitored (CIS v5 4.4, v6/v7 5.4)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-4", severity="medium", frameworks={CIS_5: "4.4", CIS_6: "5.4", CIS_7: "5.4"},
         remediation=monitoring.remediation("iam-policy-changes", "IAMPolicyChanges"))
def test_watches_iam_policy_changes(alarm_chains):
    """IAM policy changes are monitored

    Creating, attaching, putting or deleting IAM policies changes who may do what in the account. Alarming on each
    change lets the team tell a reviewed change from a privilege escalation while it can still be undone.

    Security Hub checks this topic as CloudWatch.4 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("iam-policy-changes")
    assert chain.complete, chain.why
