"""The IT導入補助金 engine: a pure function from an application and its rule pack to a result.

Order: §1 members (中小企業等, 小規模事業者, group membership) → §2 line rules (eligible kinds, term,
e-trade share, お助け隊 list, 役務 cap, hardware with software) → amounts (flat rate with bands, the
§3 tiered rate, or the §4 group with (a)/(b)/(c)) → 賃上げ → 労働生産性.  Every yen a rule removes is
recorded on its line as a Reduction, every capped yen on a Step, and each rule's finding carries the sum.

``_Run`` joins the rule mixins: ``_LineRules`` (§1, §2; ``planner.itdonyu.lines``) and ``_Amounts`` (amounts,
賃上げ, 労働生産性; ``planner.itdonyu.amounts``) over the shared state ``_RunBase`` (``planner.itdonyu.run``).
"""

from __future__ import annotations

from planner.itdonyu.amounts import _Amounts
from planner.itdonyu.lines import _LineRules
from planner.itdonyu.params import ItdonyuParams
from planner.itdonyu.result import ItdLine, ItdonyuResult
from planner.pack import PackError, RulePack
from schemas.itdonyu import Application


class _Run(_LineRules, _Amounts):
    """One evaluation: the rules of both mixins run in order by ``result()``, which builds the result."""

    # ------------------------------------------------------------------------------- result
    def result(self) -> ItdonyuResult:
        self.check_members()
        for gc in self.app.group_costs:
            rep = next(m.id for m in self.app.members if m.role == "representative")
            line = ItdLine(gc.id, rep, None, gc.kind, "c", gc.amount_yen, gc.amount_yen)
            self.lines.append(line)
        self.build_lines()
        if self.group:
            self.group_amounts()
        else:
            self.individual()
        self.wage()
        prod = self.productivity()
        for im in self.members.values():
            mine = [ln for ln in self.lines if ln.member == im.id]
            im.claimed_yen = sum(ln.claimed_yen for ln in mine)
            im.eligible_yen = sum(ln.eligible_yen for ln in mine)
            im.own_funds_yen = im.claimed_yen - im.subsidy_yen
        claimed = sum(ln.claimed_yen for ln in self.lines)
        subsidy = sum(im.subsidy_yen for im in self.members.values())
        return ItdonyuResult(
            program=self.pack.id,
            frame=self.app.frame,
            frame_name_ja=self.frame.name_ja,
            frame_name_en=self.frame.name_en,
            calc=self.frame.calc,
            member_count=sum(1 for im in self.members.values() if im.counted),
            rate_label=self.rate_label,
            lower_yen=self.lower_yen,
            cap_yen=self.cap_yen,
            claimed_total_yen=claimed,
            eligible_total_yen=sum(ln.eligible_yen for ln in self.lines),
            subsidy_yen=subsidy,
            own_funds_yen=claimed - subsidy,
            members=list(self.members.values()),
            lines=self.lines,
            findings=self.findings,
            steps=self.steps,
            band=self.band,
            group_parts=self.group_parts,
            productivity=prod,
        )


def evaluate_itdonyu(app: Application, pack: RulePack[ItdonyuParams]) -> ItdonyuResult:
    """Evaluate a validated ``itdonyu-application/1`` under its pack (``planner.evaluate`` dispatches here)."""
    if not isinstance(app, Application):
        raise PackError(
            f"{pack.path}: the pack {pack.id} (engine itdonyu) evaluates itdonyu-application/1 files, "
            f"not {type(app).__name__}"
        )
    frame = pack.params.frame(app.frame)
    if frame is None:
        raise PackError(f"{pack.path}: {pack.id} has no frame {app.frame!r} (frames: {list(pack.params.frames())})")
    return _Run(app, pack, frame).result()

