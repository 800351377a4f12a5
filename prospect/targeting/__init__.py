"""Campaign targeting: eligibility, suppression, contact caps, exact EV-optimal selection under
budget, risk ceilings and persona quotas, control group, summaries, contact history, responses.
"""

from prospect.targeting.campaign import (
    CampaignList,
    build_campaign,
    count_exclusions,
    shortlist,
)
from prospect.targeting.config import CampaignConfig, load_campaign_config
from prospect.targeting.exceptions import InfeasibleCampaign
from prospect.targeting.history import load_contact_history, record_contacts, save_contact_history
from prospect.targeting.responses import load_responses, response_report
from prospect.targeting.summary import write_campaign_summary

__all__ = [
    "CampaignConfig",
    "CampaignList",
    "InfeasibleCampaign",
    "build_campaign",
    "count_exclusions",
    "load_campaign_config",
    "load_contact_history",
    "load_responses",
    "record_contacts",
    "response_report",
    "save_contact_history",
    "shortlist",
    "write_campaign_summary",
]
