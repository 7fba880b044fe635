"""The bid-sealing key is kept apart: never SECRET_KEY, never beside the database."""
import stat

import pytest

from procure.config import PROJECT_ROOT, SealKeyError, tender_seal_key


def test_a_key_file_is_made_once_outside_the_project_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "procure" / "tender_seal_key"
    config = {"TENDER_SEAL_KEY": "", "TENDER_SEAL_KEY_FILE": str(path), "SECRET_KEY": "s"}
    first = tender_seal_key(config)
    assert len(first) == 64 and tender_seal_key(config) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_environment_wins_and_must_differ_from_the_secret_key(tmp_path):
    assert tender_seal_key({"TENDER_SEAL_KEY": "from-env", "SECRET_KEY": "s"}) == "from-env"
    with pytest.raises(SealKeyError, match="SECRET_KEY"):
        tender_seal_key({"TENDER_SEAL_KEY": "same", "SECRET_KEY": "same"})


def test_a_key_file_beside_the_database_is_refused():
    with pytest.raises(SealKeyError, match="instance"):
        tender_seal_key({"TENDER_SEAL_KEY": "", "SECRET_KEY": "s",
                         "TENDER_SEAL_KEY_FILE": str(PROJECT_ROOT / "instance" / "seal")})
