"""IAM-14: AWS knows whom to tell about a security issue in the account."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, NIST, SECURITY_HUB


@control("IAM-14", severity="medium",
         frameworks={CIS_3: "1.2", CIS_5: "1.2", CIS_6: "2.2", CIS_7: "2.3",
                     SECURITY_HUB: "Account.1", NIST: "CM-2, CM-2(2)"},
         remediation="""
         Console: Account > Alternate contacts > Security > Edit; use a team address, not a person's.
         CLI: aws account put-alternate-contact --alternate-contact-type SECURITY --name NAME --title TITLE
         --email-address ADDRESS --phone-number PHONE
         """)
def test_security_contact_registered(security_contact):
    """A security alternate contact is registered

    When AWS sees the account attacking others, leaking keys or being abused, it writes to the security contact.
    Without one, the warning goes to whoever reads the root user's mailbox, if anyone does.
    """
    assert security_contact is not None, "no security alternate contact is registered"
    assert security_contact.get("EmailAddress"), "the security alternate contact has no email address"
