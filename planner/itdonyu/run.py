"""The shared state of one IT導入補助金 evaluation: ``_RunBase`` holds the inputs, the findings, lines, members
and amounts found so far, and the helpers every rule uses (``add``, ``trim``, ``trimmed_yen``, ``group``).

The rule methods live in mixins on top of it: ``planner.itdonyu.lines._LineRules`` (§1 members, §2 line rules,
the tools' functions) and ``planner.itdonyu.amounts._Amounts`` (§3/§4 amounts, 賃上げ, 労働生産性);
``planner.itdonyu.engine._Run`` joins them.  The methods one mixin calls on the other are declared here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from planner.itdonyu.params import FrameSpec, ItdonyuParams
from planner.itdonyu.result import ItdLine, ItdMember, Step
from planner.pack import RulePack
from planner.result import Finding
from schemas.itdonyu import Application

SOFTWARE_KINDS = ("software", "cloud", "option", "service")


def _y(v: int) -> str:
    return f"¥{v:,}"

class _RunBase(ABC):
    """The state of one evaluation (findings, lines, members); ``result()`` builds the result."""

    def __init__(self, app: Application, pack: RulePack[ItdonyuParams], frame: FrameSpec) -> None:
        self.app = app
        self.pack = pack
        self.p = pack.params
        self.frame = frame
        self.findings: list[Finding] = []
        self.steps: list[Step] = []
        self.members: dict[str, ItdMember] = {}
        self.excluded: dict[str, str] = {}  # member id → the rule that excludes it
        self.small: dict[str, bool] = {}
        self.lines: list[ItdLine] = []
        self.by_rule: dict[str, list[str]] = {}  # rule → line ids it trimmed
        self.rate_label = ""
        self.band: int | None = None
        self.lower_yen: int | None = None
        self.cap_yen = 0
        self.group_parts: dict[str, int] = {}
        self.large_rate = False
        self.term_lines: list[tuple[str, int, int, int]] = []  # (line, months, max months, yen removed)
        self.share_lines: list[str] = []  # lines cut to the e-trade SME share

    # ------------------------------------------------------------------------------- helpers
    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def trim(self, line: ItdLine, rule: str, yen: int) -> None:
        if yen > 0:
            line.remove(rule, yen)
            self.by_rule.setdefault(rule, []).append(line.id)

    def trimmed_yen(self, rule: str) -> int:
        return sum(r.yen for ln in self.lines for r in ln.reductions if r.rule == rule)

    @property
    def group(self) -> bool:
        return self.frame.calc == "group"
    # ------------------------------------------------------------------------------- defined in _LineRules
    @abstractmethod
    def functions(self, member_id: str) -> set[str]:
        """The process functions a member's tools cover (``_LineRules``)."""

    @abstractmethod
    def check_functions(self, member_id: str, functions: set[str], needed_software: bool) -> None:
        """The function-count rules for a member (``_LineRules``); the amounts call it."""
