"""Seed calls that refer to earlier answers: state moto makes with ids nobody knows ahead (default VPCs, keys) can be
set up by a twin, region by region, as data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from awsaudit import twins
from emulated import in_process, load

ROOT = '[root]\npassword = true\nmfa = "hardware"\n'

LOCKED_DEFAULT_GROUPS = ROOT + '''
[[seed]]
call = "ec2.describe_security_groups"
params = { Filters = [{ Name = "group-name", Values = ["default"] }] }
regions = ["us-east-1", "eu-west-1"]
keep = "default_sg"

[[seed]]
call = "ec2.revoke_security_group_egress"
params = { GroupId = "${default_sg.SecurityGroups[0].GroupId}", IpPermissions = "${default_sg.SecurityGroups[0].IpPermissionsEgress}" }
regions = ["us-east-1", "eu-west-1"]

[[seed]]
call = "ec2.create_tags"
params = { Resources = ["${default_sg.SecurityGroups[0].GroupId}"], Tags = [{ Key = "note", Value = "locked ${default_sg.SecurityGroups[0].GroupName}" }] }
regions = ["us-east-1"]
'''


def test_a_reference_takes_the_value_found_in_the_same_region(tmp_path: Path) -> None:
    served = load(tmp_path / "fixtures", {"locked": f'account_id = "757575757575"\n{LOCKED_DEFAULT_GROUPS}'})
    with in_process(served, tmp_path) as open_account:
        account = open_account("locked")
        for region in ("us-east-1", "eu-west-1", "us-west-2"):
            groups = account.client("ec2", region).describe_security_groups(
                Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
            assert all(not group["IpPermissionsEgress"] for group in groups) == (region != "us-west-2"), region
        tagged = account.client("ec2", "us-east-1").describe_security_groups(
            Filters=[{"Name": "tag:note", "Values": ["locked default"]}])["SecurityGroups"]
        assert len(tagged) == 1


@pytest.mark.parametrize(("seed", "message"), [
    ('[[seed]]\ncall = "ec2.create_tags"\nparams = { Resources = ["${vpc.Vpc.VpcId}"], Tags = [] }\n',
     "seed[0].params: ${vpc...} refers to no earlier call kept as 'vpc' in each of this call's regions"),
    ('[[seed]]\ncall = "ec2.create_vpc"\nparams = { CidrBlock = "10.0.0.0/16" }\nkeep = "vpc"\n'
     '[[seed]]\ncall = "ec2.create_tags"\nparams = { Resources = ["${vpc.Vpc.VpcId}"], Tags = [] }\n'
     'regions = "all"\n',
     "seed[1].params: ${vpc...} refers to no earlier call kept as 'vpc' in each of this call's regions"),
])
def test_a_reference_to_no_earlier_answer_is_the_twins_error(tmp_path: Path, seed: str, message: str) -> None:
    with pytest.raises(twins.TwinError, match=re.escape(message)):
        load(tmp_path / "fixtures", {"broken": f'account_id = "767676767676"\n{ROOT}{seed}'})


def test_a_path_that_finds_nothing_names_call_region_and_reference(tmp_path: Path) -> None:
    text = (f'account_id = "777777777770"\n{ROOT}'
            '[[seed]]\ncall = "ec2.create_vpc"\nparams = { CidrBlock = "10.0.0.0/16" }\nkeep = "vpc"\n'
            '[[seed]]\ncall = "ec2.create_tags"\nparams = { Resources = ["${vpc.Vpc.NoSuchField}"], Tags = [] }\n')
    served = load(tmp_path / "fixtures", {"broken": text})
    with pytest.raises(twins.TwinError) as raised, in_process(served, tmp_path):
        pass
    assert str(raised.value) == ("twin broken: seed call ec2.create_tags in us-east-1: ${vpc.Vpc.NoSuchField} finds "
                                 "nothing in the answer kept as 'vpc'")
