"""The generator's formatting noise, row by row: what the loaders' normalisation must undo."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.synth.defects import format_noise


def test_email_case_noise_is_drawn_for_each_row_not_once_for_all():
    emails = pd.Series([f"shop{i}@qq.com" for i in range(500)])
    noisy = format_noise(pd.Series(["email"] * len(emails)), emails, np.random.default_rng(4))
    styles = {
        "upper": (noisy == emails.str.upper()).sum(),
        "title": (noisy == emails.str.title()).sum(),
        "as written": (noisy == emails).sum(),
    }
    # about one in five each in capitals and in title case, the rest as written
    assert all(60 < styles[s] < 140 for s in ("upper", "title")), styles
    assert styles["as written"] > 250, styles
