"""Analysis settings: the weights and thresholds of detection, scoring and tracing, from TOML."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.model import LINK_KINDS

__all__ = ["AnalysisSettings", "ScoringSettings", "DEFAULT_SETTINGS_FILE"]

DEFAULT_SETTINGS_FILE = Path(__file__).resolve().parent.parent / "analysis.toml"


# leiden/louvain/wcc run here; gds runs Leiden inside Neo4j (Graph Data Science, --neo4j needed)
METHODS = ("leiden", "louvain", "wcc", "gds")


@dataclass(frozen=True)
class ScoringSettings:
    """``[scoring]`` of analysis.toml, typed: each signal's weight in the ring score (log-odds), the
    intercept, and the thresholds read from the score. The numbers live in analysis.toml only."""

    identity_spread: float
    counterfeit_test_buys: float
    upheld_complaints: float
    banned_or_closed: float
    under_brand_median: float
    shared_payout: float
    intercept: float
    cheap_ratio: float  # a listing under this share of its brand's median is "far under"
    referral_threshold: float  # RMB of illegal business volume worth a criminal referral
    flag_score: float  # the score at which a ring is flagged for investigators

    def weight(self, signal: str) -> float:
        """The weight of ``signal`` (a name of ``workbench.analytics.scoring.SIGNALS``)."""
        return float(getattr(self, signal))

    @classmethod
    def of(cls, given: dict | ScoringSettings) -> ScoringSettings:
        """From a ``[scoring]`` table or a stored run's settings; a key a store written by an older
        version lacks takes the packaged value, one it has that this version does not is dropped."""
        if isinstance(given, cls):
            return given
        packaged = tomllib.loads(DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8"))["scoring"]
        known = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in {**packaged, **given}.items() if k in known})


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything an analysis run depends on besides its input; recorded with its results."""

    kind_weights: dict[str, float]
    max_degree: dict[str, int]
    rarity_exponent: float = 1.5
    method: str = "leiden"
    seed: int = 42
    resolution: float = 0.01
    gds_gamma: float = 1.0
    isolated_penalty: float = 0.25
    min_ring_weight: float = 0.5
    attach_weight: float = 0.1
    attach_share: float = 0.75
    identity_kinds: tuple[str, ...] = ("person_id", "bank_account")
    min_independent_ties: int = 2
    scoring: ScoringSettings = field(default_factory=lambda: ScoringSettings.of({}))
    upstream_hops: int = 3
    follow_exclusivity: float = 0.05
    kind_factor: dict[str, float] = field(default_factory=dict)
    resolve_entities: bool = True
    match_probability: float = 0.9

    def __post_init__(self) -> None:
        # a stored run's settings carry [scoring] as a table
        object.__setattr__(self, "scoring", ScoringSettings.of(self.scoring))

    def degree_cap(self, kind: str) -> int:
        return int(self.max_degree.get(kind, self.max_degree["default"]))

    def degree_caps(self, kinds):
        """The cap of each row of a column of kinds (a pandas Series), looked up once per kind."""
        import numpy as np
        import pandas as pd

        codes, found = pd.factorize(kinds)
        # a missing kind (code -1) takes the last entry: the default cap
        caps = np.array([*(self.degree_cap(k) for k in found), self.degree_cap("default")], dtype=np.int64)
        return pd.Series(caps[codes], index=kinds.index)

    @property
    def referral_threshold(self) -> float:
        return self.scoring.referral_threshold

    @property
    def flag_score(self) -> float:
        """The ring score at which a ring is flagged for investigators."""
        return self.scoring.flag_score

    @classmethod
    def load(cls, path: Path | str | None = None, **overrides) -> AnalysisSettings:
        """Read the TOML file (the packaged defaults when ``path`` is None); overrides win."""
        path = Path(path) if path else DEFAULT_SETTINGS_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise WorkbenchError(f"{path}: cannot read analysis settings ({exc})") from None
        defaults = tomllib.loads(DEFAULT_SETTINGS_FILE.read_text(encoding="utf-8"))
        _check_keys(data, defaults, path)
        try:
            ev = _merged(defaults["evidence"], data.get("evidence", {}))
            co = _merged(defaults["communities"], data.get("communities", {}))
            sc = _merged(defaults["scoring"], data.get("scoring", {}))
            up = _merged(defaults["upstream"], data.get("upstream", {}))
            me = _merged(defaults["membership"], data.get("membership", {}))
            en = _merged(defaults["entities"], data.get("entities", {}))
            settings = cls(
                kind_weights={k: float(v) for k, v in ev["kind_weights"].items()},
                max_degree={k: int(v) for k, v in ev["max_degree"].items()},
                rarity_exponent=float(ev["rarity_exponent"]),
                method=str(co["method"]),
                seed=int(co["seed"]),
                resolution=float(co["resolution"]),
                gds_gamma=float(co["gds_gamma"]),
                isolated_penalty=float(co["isolated_penalty"]),
                min_ring_weight=float(co["min_ring_weight"]),
                attach_weight=float(co["attach_weight"]),
                attach_share=float(co["attach_share"]),
                identity_kinds=tuple(str(k) for k in me["identity_kinds"]),
                min_independent_ties=int(me["min_independent_ties"]),
                scoring=ScoringSettings(**{k: float(v) for k, v in sc.items()}),
                upstream_hops=int(up["hops"]),
                follow_exclusivity=float(up["follow_exclusivity"]),
                kind_factor={k: float(v) for k, v in up["kind_factor"].items()},
                resolve_entities=bool(en["resolve"]),
                match_probability=float(en["match_probability"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WorkbenchError(f"{path}: bad analysis setting ({exc})") from None
        if overrides:
            settings = cls(**{**settings.__dict__, **overrides})
        if settings.method not in METHODS:
            raise WorkbenchError(f"method must be one of {', '.join(METHODS)}, not {settings.method!r}")
        return settings

    def as_dict(self) -> dict:
        """As recorded with a run's results (JSON: the scoring section as a table)."""
        return {**self.__dict__, "scoring": asdict(self.scoring)}

    @classmethod
    def of_store(cls, meta: dict) -> AnalysisSettings:
        """The settings the store's rings were found with (the packaged ones before any run)."""
        return cls(**meta["analysis"]) if "analysis" in meta else cls.load()


# tables whose keys are kinds: any identifier kind may get its own cap, not only those listed
_OPEN_TABLES = {("evidence", "max_degree"): {"default", *LINK_KINDS, "supplier"}}


def _merged(default: dict, given: dict) -> dict:
    """``given`` over ``default``, sub-tables merged key by key (a file naming one kind's cap
    keeps the others)."""
    return {
        **default,
        **{
            k: {**default[k], **v} if isinstance(v, dict) and isinstance(default.get(k), dict) else v
            for k, v in given.items()
        },
    }


def _check_keys(data: dict, defaults: dict, path: Path, where: tuple[str, ...] = ()) -> None:
    """Refuse a key the packaged settings do not have, naming the nearest valid one: a misspelled
    key would otherwise be ignored and its default used without a word."""
    allowed = _OPEN_TABLES.get(where, set(defaults))
    for key, value in data.items():
        if key not in allowed:
            section = f"[{'.'.join(where)}] " if where else ""
            near = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; valid here: {', '.join(sorted(allowed))}"
            raise WorkbenchError(f"{path}: unknown setting {section}{key!r}{hint}")
        if isinstance(value, dict) and isinstance(defaults.get(key), dict):
            _check_keys(value, defaults[key], path, (*where, key))
