"""The fairness result in words: who the list singles out, and what other lists would keep and make.

A ``fairness`` finding is in the default story only when there is something to say (a group
leans on or off the list, or the model uses a sensitive column); otherwise a quiet
``fairness_check`` finding says the list is in line, for the full story and the page.
"""

from __future__ import annotations

from storytelling import charts
from storytelling import plot as plots
from storytelling.fairness import LEVEL, MIN_GAP, N_BOOT, FairnessResult, GroupMix, ListOption
from storytelling.sensitive import AGE
from storytelling.story import Fact, Finding, fmt_count, fmt_money, fmt_pct, join_words

LIST_COLOUR, LEAVERS_COLOUR = charts.POLICY_COLOURS[charts.MODEL], "#999999"


def who(mix: GroupMix, group: str) -> str:
    """'customers aged 65+', 'customers marked as senior citizen', "customers whose gender is Female"."""
    if group == "(missing)":
        return f"customers with no {mix.name} recorded"
    if group == "other":
        return f"customers in the smaller {mix.name} groups"
    if group in ("yes", "no"):
        return f"customers {'' if group == 'yes' else 'not '}marked as {mix.name}"
    if mix.kind == AGE and (group[:1].isdigit() or group.startswith(("under", "over"))):
        return f"customers aged {group}"
    return f"customers whose {mix.name} is {group}"


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _lean_facts(mix: GroupMix, row) -> dict[str, Fact]:
    return {
        "group": Fact("group", str(row.group), "", who(mix, str(row.group))),
        "column": Fact("column", mix.name, "", mix.name),
        "share_list": Fact("share_list", float(row.share_list), "share", fmt_pct(row.share_list)),
        "share_leavers": Fact("share_leavers", float(row.share_leavers), "share", fmt_pct(row.share_leavers)),
        "share_customers": Fact("share_customers", float(row.share_customers), "share", fmt_pct(row.share_customers)),
        "gap_low": Fact("gap_low", float(row.gap_lo), "share", fmt_pct(row.gap_lo)),
        "gap_high": Fact("gap_high", float(row.gap_hi), "share", fmt_pct(row.gap_hi)),
        "reach": Fact("reach", float(row.reach), "share", fmt_pct(row.reach)),
        "reach_others": Fact("reach_others", float(row.reach_others), "share", fmt_pct(row.reach_others)),
    }


def lean_sentence(mix: GroupMix, row) -> str:
    """'Customers aged 65+ are 31% of the list but 18% of the customers who left.'"""
    only = "only " if row.lean == "under" else ""
    return (f"{_cap(who(mix, str(row.group)))} are {only}{fmt_pct(row.share_list)} of the list but "
            f"{fmt_pct(row.share_leavers)} of the customers who left")


def _option_facts(result: FairnessResult) -> dict[str, Fact]:
    out, cur = {}, result.currency
    for o in result.options:
        out[f"kept_{o.key}"] = Fact(f"kept_{o.key}", o.outcome.saved, "customers", fmt_count(o.outcome.saved))
        out[f"net_{o.key}"] = Fact(f"net_{o.key}", o.outcome.net, cur, fmt_money(o.outcome.net, cur))
        if o.group_share is not None:
            out[f"share_{o.key}"] = Fact(f"share_{o.key}", o.group_share, "share", fmt_pct(o.group_share))
    return out


def _sensitive_names(result: FairnessResult) -> str:
    return join_words([m.name for m in result.mixes if m.kind])


def _money(net: float, currency: str) -> str:
    return fmt_money(net, currency) if net >= 0 else f"a loss of {fmt_money(-net, currency)}"


def option_sentence(result: FairnessResult, o: ListOption) -> str:
    """What another list of the same length keeps and makes against the story's list: 'A model
    that also uses sex: about 81 kept instead of 66, and $40.6k instead of $31.6k a month; ...'.
    A difference chance alone could make is 'about as many' / 'about as much'."""
    story, cur, per = result.options[0].outcome, result.currency, result.period.per
    names = join_words(result.other_uses) if result.other_uses else _sensitive_names(result)
    lead = {"equal": f"Equal contact rates in each {result.mix(result.equal_column).name} group"
                     if result.equal_column else "",
            "with": f"A model that also uses {names}", "without": f"A model without {names}"}[o.key]
    kept = o.differs[0] and fmt_count(o.outcome.saved) != fmt_count(story.saved)
    money = o.differs[1] and _money(o.outcome.net, cur) != _money(story.net, cur)
    if not kept and not money:
        said = ("about as many kept and about as much money as the story's list (the difference is within "
                "what chance alone gives)")
    else:
        said = ", and ".join([
            f"about {fmt_count(o.outcome.saved)} kept instead of {fmt_count(story.saved)}" if kept
            else "about as many kept",
            f"{_money(o.outcome.net, cur)} instead of {_money(story.net, cur)}{per}" if money
            else "about as much money"])
    share = ""
    if result.focus and o.group_share is not None and result.options[0].group_share is not None:
        share = (f"; {who(result.mix(result.focus[0]), result.focus[1])} would be {fmt_pct(o.group_share)} of "
                 f"that list ({fmt_pct(result.options[0].group_share)} of the story's)")
    return f"{lead}: {said}{share}."


def fairness_findings(result: FairnessResult) -> list[Finding]:
    """The ``fairness`` finding when there is something to say, else the quiet ``fairness_check``."""
    leaning = [(m, r) for m in result.mixes if m.kind for r in m.leaning().itertuples()]
    if not result.sensitive:  # none, or none with two groups of customers to compare
        return []
    if leaning or result.used:
        return [_loud(result, leaning)]
    return [_quiet(result)]


def _used_sentence(result: FairnessResult) -> str:
    if result.scores == "given":
        return ("Your scores come with the data, so which columns your model reads is not known here; the list "
                "is judged by whom it picks.")
    if result.used:
        return f"The model uses {join_words(result.used)}, as chosen on the Data page."
    names = [m.name for m in result.mixes if m.kind]
    return f"The model does not use {join_words(names)}."


def _loud(result: FairnessResult, leaning: list) -> Finding:
    f = _option_facts(result)
    if leaning:
        mix, row = leaning[0]
        f |= _lean_facts(mix, row)
        title = lean_sentence(mix, row)
        headline = (f"They are {fmt_pct(row.share_customers)} of all customers. Of those of them who left, the list "
                    f"reaches {fmt_pct(row.reach)}; of the other customers who left, {fmt_pct(row.reach_others)}. "
                    f"{_used_sentence(result)}")
        # the other groups that lean (not the mirror image of a column of two groups)
        bullets = [lean_sentence(m, r) + "." for m, r in leaning[1:]
                   if not (m is mix and len(m.table) == 2)][:2]
    else:
        title = (f"The model uses {join_words(result.used)}, "
                 f"{'sensitive columns' if len(result.used) > 1 else 'a sensitive column'}")
        headline = ("It was chosen on the Data page. The list still holds each group in about its share of the "
                    "customers who left.")
        bullets = []
    bullets += [option_sentence(result, o) for o in result.options[1:]]
    return _finding("fairness", title, headline, bullets, f, result)


def _quiet(result: FairnessResult) -> Finding:
    names = join_words([m.name for m in result.mixes if m.kind])
    title = f"The list holds each {names} group in about its share of the customers who left"
    headline = (f"No group's share of the list is {MIN_GAP * 100:g} percentage points or more above or below its share of "
                f"the leavers beyond chance. {_used_sentence(result)}")
    bullets = [option_sentence(result, o) for o in result.options[1:]]
    return _finding("fairness_check", title, headline, bullets, _option_facts(result), result)


def _finding(key: str, title: str, headline: str, bullets: list[str], f: dict, result: FairnessResult) -> Finding:
    focus = result.mix(result.focus[0]) if result.focus else next(m for m in result.mixes if m.kind)
    when = f"the customers of {result.period.label}" if result.period.dated else "the customers in this file"
    return Finding(
        key=key, title=title, headline=headline, bullets=bullets, facts=f,
        chart=lambda: charts.fairness_chart(focus.table, _cap(focus.name)),
        plot=lambda: fairness_plot(focus, title),
        caveats=[f"Shares of {when} and of the list of {fmt_count(result.contacts, people=False)} drawn from them. "
                 "Who the campaign actually keeps in each group is only known from a test."] + result.notes,
        notes=[f"A group leans on or off the list when its share of the list differs from its share of the "
               f"leavers by at least {MIN_GAP * 100:g} percentage points and the {fmt_pct(LEVEL)} range of that difference "
               f"({N_BOOT} resamples of the customers, the list re-drawn at the same share of customers each time) "
               "does not include zero. The other lists have the same length and the story's assumptions."],
        technical=[f"{m.name}: " + ", ".join(f"{r.group} list {r.share_list:.1%} [{r.share_list_lo:.1%}, "
                                            f"{r.share_list_hi:.1%}] vs leavers {r.share_leavers:.1%}"
                                            for r in m.table.itertuples()) for m in result.mixes if m.kind],
    )


def fairness_plot(mix: GroupMix, title: str) -> plots.Plot:
    """Share of the list and of the leavers per group, with their ranges (the same table as the chart)."""
    t = mix.table
    series = tuple(plots.Series(name, tuple(float(v) for v in t[col]), colour,
                                low=tuple(float(v) for v in t[f"{col}_lo"]), high=tuple(float(v) for v in t[f"{col}_hi"]),
                                labels=tuple(fmt_pct(v) for v in t[col]))
                   for name, col, colour in (("Share of the list", "share_list", LIST_COLOUR),
                                             ("Share of those who left", "share_leavers", LEAVERS_COLOUR)))
    return plots.Plot("bar", title, series=series, categories=tuple(str(g) for g in t["group"]),
                      x_title="Share", number_format="0%")


def treatment_lines(sensitive: dict[str, str], names: dict[str, str], *, used: bool, scores: str) -> list[str]:
    """The appendix's line on the sensitive columns and how they were treated."""
    if not sensitive:
        return ["No column was recognised as sensitive (sex, age, ethnicity, religion, family status, disability, "
                "nationality, postcode); columns can be marked sensitive on the Data page."]
    cols = join_words([names.get(c, c) if names.get(c, c).lower() == kind else f"{names.get(c, c)} ({kind})"
                       for c, kind in sensitive.items()])
    if scores == "given":
        how = ("the scores come with the data, so which columns the model behind them reads is not known here; "
               "whom the list picks in each group is described")
    elif used:
        how = "used by the model, as chosen on the Data page, and whom the list picks in each group is described"
    else:
        how = "described (whom the list picks in each group), not used by the model"
    return [f"Sensitive columns: {cols}: {how}."]


def sensitive_lines(data, scores: str, glossary) -> list[str]:
    """:func:`treatment_lines` for prepared ``data`` (its sensitive columns, named by ``glossary``)."""
    names = {c: glossary.name(c) for c in data.sensitive}
    return treatment_lines(data.sensitive, names, used=any(c in data.features for c in data.sensitive), scores=scores)


def mix_table(mix: GroupMix) -> list[dict]:
    """The page's table of one column's groups, in words and rounded shares."""
    def rng(r, col: str) -> str:
        return f"{fmt_pct(getattr(r, col))} ({fmt_pct(getattr(r, col + '_lo'))}–{fmt_pct(getattr(r, col + '_hi'))})"

    lean = {"over": "more than their leaving", "under": "less than their leaving", "": "in line"}
    return [{"Group": str(r.group), "Customers": int(r.customers), "Of all customers": fmt_pct(r.share_customers),
             "Of those who left": rng(r, "share_leavers"), "Of the list": rng(r, "share_list"),
             "Their leavers reached": fmt_pct(r.reach) if r.leavers else "n/a", "On the list": lean[r.lean]}
            for r in mix.table.itertuples()]


def options_table(result: FairnessResult) -> list[dict]:
    """The page's table of the lists of the same length: what each keeps and makes."""
    per = " a month" if result.period.dated else ""
    focus = f"{who(result.mix(result.focus[0]), result.focus[1])}, share of the list" if result.focus else None
    rows = []
    for o in result.options:
        row = {"List": o.label, f"Customers kept{per}": fmt_count(o.outcome.saved),
               f"Net value{per}": fmt_money(o.outcome.net, result.currency)}
        if focus:
            row[_cap(focus)] = fmt_pct(o.group_share) if o.group_share is not None else "n/a"
        rows.append(row)
    return rows


def model_note(sensitive: dict[str, str], read: dict[str, str], names: dict[str, str], *, scores: str) -> str:
    """What the Drivers page says of the sensitive columns and the model it explains (``read``:
    the sensitive columns that model reads)."""
    if read:
        return (f"This model reads sensitive columns: {join_words([f'{names.get(c, c)} ({k})' for c, k in read.items()])}. "
                "See whom the list picks in each group on the 'Who is on the list' page.")
    if scores == "given" and sensitive:
        return ("Your scores come with the data, so which columns your model reads is not known here; the 'Who is "
                "on the list' page shows whom they pick in each group.")
    if sensitive:
        return (f"The sensitive columns ({join_words([names.get(c, c) for c in sensitive])}) are not used by this "
                "model; whom the list picks in each of their groups is on the 'Who is on the list' page.")
    return ""
