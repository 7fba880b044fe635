"""Tender use cases, the only place that commits for tenders: preparation (create, lifecycle,
demand, environmental criteria, questions), lots, sealed bids, opening and award, and contract
execution. Callers use `tenders.service.<use case>`."""
from tenders.service.awarding import award, lot_ceiling, make_contracts, open_bids, request_opening
from tenders.service.bidding import read_bid, submit_bid, withdraw_bid
from tenders.service.common import ITEMIZED, TenderError, tender_schedule
from tenders.service.execution import (change_contract_quantity, deliver_contract, delivered_quantities, monthly_bill,
                                       monthly_bill_for, record_readings)
from tenders.service.lotting import LOT_EDITABLE, add_lot, delete_lot, split_lots
from tenders.service.pricing import (REFERENCE_EDITABLE, policy_for, set_pricing_policy, set_reference_rates,
                                     simulation_source)
from tenders.service.preparation import (DEFAULT_ENVIRONMENT_TABLE, ward_environment, add_pattern, answer, ask,
                                         create_tender, enter_facility_demand, enter_pc_demand, join, move,
                                         open_next_round, set_environment, ward_environments)

__all__ = ["DEFAULT_ENVIRONMENT_TABLE", "ITEMIZED", "LOT_EDITABLE", "TenderError", "add_lot", "add_pattern", "answer",
           "ask", "award", "change_contract_quantity", "create_tender", "delete_lot", "deliver_contract",
           "delivered_quantities", "enter_facility_demand", "enter_pc_demand", "join", "lot_ceiling", "make_contracts",
           "monthly_bill", "monthly_bill_for", "move", "open_bids", "open_next_round", "policy_for", "request_opening", "read_bid", "record_readings",
           "set_environment", "set_pricing_policy", "set_reference_rates", "REFERENCE_EDITABLE", "simulation_source", "split_lots", "submit_bid", "ward_environments", "withdraw_bid", "ward_environment",
           "tender_schedule"]
