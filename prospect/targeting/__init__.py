"""Campaign targeting: eligibility, suppression, contact caps, exact EV-optimal selection under
budget, risk ceilings and persona quotas, control group, summaries, contact history, responses.
"""

from prospect.targeting.campaign import (
    CampaignList,
    build_campaign,
    count_exclusions,
    pool_bound,
    shortlist,
)
from prospect.targeting.config import CampaignConfig, load_campaign_config
from prospect.targeting.exceptions import InfeasibleCampaign
from prospect.targeting.history import ContactRow, read_contact_file
from prospect.targeting.responses import ResponseRow, read_response_file, response_report
from prospect.targeting.summary import write_campaign_summary

__all__ = [
    "CampaignConfig",
    "CampaignList",
    "InfeasibleCampaign",
    "build_campaign",
    "count_exclusions",
    "load_campaign_config",
    "pool_bound",
    "ContactRow",
    "ResponseRow",
    "read_contact_file",
    "read_response_file",
    "response_report",
    "shortlist",
    "write_campaign_summary",
]
