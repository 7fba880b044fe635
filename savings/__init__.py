"""The savings ledger: for each amount fixed for a ward (a tender's ward contract today), the
reference it is compared with, what the ward pays and the saving, stored when the amount is fixed
and never recomputed. Each entry says which reference it uses."""
