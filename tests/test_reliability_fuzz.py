"""Property-based fuzzing of every reader on damaged copies of the real sample files: only
ArtimapError escapes (a message for the user), no crash, no hang.

ARTIMAP_FUZZ_EXAMPLES sets the examples per reader (default 30: the suite stays fast);
benchmarks/fuzz_readers.py runs the larger campaign recorded in benchmarks/RELIABILITY.md.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from fuzz_readers import CASES, DATA, damage, derived_source, run_damaged
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ARTIMAP_FUZZ_EXAMPLES", "30"))
# kind, position (fraction of the file), run length, byte value; biased to the start of the file
# where headers live and to its end where a zip's directory (a checkpoint's) lives, as
# uniformly placed edits mostly hit sample data
EDIT = st.tuples(st.integers(0, 5),
                 st.one_of(st.floats(0, 0.02), st.floats(0, 1), st.floats(0.97, 1)),
                 st.integers(1, 64), st.integers(0, 255))
EDITS = st.lists(EDIT, min_size=1, max_size=4)


@pytest.mark.skipif(not DATA.is_dir(), reason=f"real sample data not found at {DATA} "
                    "(set ARTIMAP_SAMPLE_DATA to the shared data folder)")
@pytest.mark.parametrize("name", sorted(CASES))
def test_reader_survives_damaged_real_files(name: str) -> None:
    case = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        original = derived_source(case, folder / "_sources").read_bytes()
        assert run_damaged(case, folder / "intact", original) == "ok"  # the sample reads

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(edits=EDITS)
        def damaged(edits) -> None:
            assert run_damaged(case, folder / "damaged", damage(original, edits)) in {"ok", "error"}

        damaged()
