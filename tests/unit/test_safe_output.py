"""safe_frame neutralises exactly the cells neutralise_cell would, whatever the column's storage."""

import numpy as np
import pandas as pd
import pytest

from workbench.safe_output import neutralise_cell, safe_frame
from workbench.synth.defects import HOSTILE_STRINGS

CELLS = [
    *HOSTILE_STRINGS,
    "-12.5",
    "+8613800000000",
    "=1+1",
    "@SUM(A1)",
    "\tx",
    "\uff1dx",
    "shop",
    "",
    "-",
    None,
]


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "object"])
def test_safe_frame_is_neutralise_cell_on_every_cell(dtype):
    cells = [CELLS[i] for i in np.random.default_rng(3).integers(0, len(CELLS), 400)]
    frame = pd.DataFrame({"shop_name": pd.Series(cells, dtype=dtype), "count": range(400)})
    safe = safe_frame(frame)
    got = [None if pd.isna(x) else x for x in safe["shop_name"]]
    assert got == [neutralise_cell(c) if isinstance(c, str) else None for c in cells]
    assert any(isinstance(x, str) and x.startswith("'=") for x in got)
    assert safe["count"].tolist() == list(range(400))
