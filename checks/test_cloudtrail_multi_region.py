"""CLOUDTRAIL-1: a multi-region trail logs every management event, read and write."""

from awsaudit import control
from awsaudit.aws.cloudtrail import TRAIL_TYPE, organizations_word, why_not_everywhere
from awsaudit.findings import Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB

# What evidence says of an organization trail of the management account that AWS tells a member little about.
ORGANIZATIONS_WORD = ("counts: an organization trail of the management account, multi-region as DescribeTrails "
                      "shows; its status and selectors are judged in that account's audit")


@control("CLOUDTRAIL-1", severity="high",
         frameworks={CIS_5: "3.1", CIS_6: "4.1", CIS_7: "4.1", SECURITY_HUB: "CloudTrail.1"},
         remediation="""
         aws cloudtrail create-trail --name management-events --s3-bucket-name BUCKET --is-multi-region-trail
         --enable-log-file-validation --kms-key-id KEY_ARN (in the region the trail should live in), then
         aws cloudtrail start-logging --name management-events. A new trail records all management events, read and
         write; for a trail whose selectors were changed: aws cloudtrail put-event-selectors --trail-name NAME
         --event-selectors '[{"ReadWriteType": "All", "IncludeManagementEvents": true}]'. In an organization, one
         organization trail (--is-organization-trail, from the management account) covers every member.
         """)
def test_a_trail_logs_all_regions(trails, account, findings):
    """A multi-region trail records all management events

    CloudTrail is the record of who did what in the account. Without a logging, multi-region trail that records
    management events both read and write, an intrusion in a region nobody uses, or a read of secrets, leaves no
    trace to investigate.
    """
    account_id = account.identity.account_id
    why = {Resource(t.arn, TRAIL_TYPE, t.home_region, t.name): why_not_everywhere(t, account_id) for t in trails}
    findings.evidence["trails: why each counts or not"] = {
        str(resource): reason or (ORGANIZATIONS_WORD if organizations_word(trail, account_id) else "counts")
        for (resource, reason), trail in zip(why.items(), trails)}
    assert trails, "no CloudTrail trail logs this account in any region read"
    counting = any(not reason for reason in why.values())
    findings.judge("trails (at least one must log every region's management events)", why, {} if counting else why)
