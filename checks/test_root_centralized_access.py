"""ROOT-7: member accounts' root users are managed centrally from the organization."""

from awsaudit import control, not_applicable
from awsaudit.frameworks import CIS_7


@control("ROOT-7", severity="high", frameworks={CIS_7: "2.1.1"},
         remediation="""
         From the organization's management account: IAM > Root access management > Enable, with both
         "Root credentials management" and "Privileged root actions in member accounts". CLI:
         aws organizations enable-aws-service-access --service-principal iam.amazonaws.com
         aws iam enable-organizations-root-credentials-management
         aws iam enable-organizations-root-sessions
         Then delete the root credentials of member accounts from IAM > Root access management.
         """)
def test_centralized_root_access_enabled(account, organization):
    """Centralized root access is enabled for the organization

    Every member account has a root user with its own password, keys and MFA to guard. Centralized root access
    lets the management account remove those credentials and perform the few root-only tasks itself, so member
    root users cannot be signed in to at all.
    """
    if organization is None:
        not_applicable("the account belongs to no AWS Organization")
    if organization.root_access_features is None:
        not_applicable(f"a member account: centralized root access is enabled from the management account "
                       f"{organization.management_account_id}")
    assert "RootCredentialsManagement" in organization.root_access_features, (
        "root credentials management is not enabled for organization "
        f"{organization.id}{': ' + organization.features_off_because if organization.features_off_because else ''}")
