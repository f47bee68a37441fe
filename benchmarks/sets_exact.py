"""The exact optimum for action learning sets: OR-tools CP-SAT on the same rules and objective.

For benchmarks and a small test only (ortools is a dev dependency; core/ never imports this).
The model follows core/sets/matching.py's docstring term by term:

- x[i][s]: person i is in set s; each person in at most one set; `sets` sets, each empty or
  of size minimum..maximum (empty sets last, sizes non-increasing: symmetry breaking);
- hard: one per organisation per set; avoid pairs never together; each used set chooses one
  language, and nobody who does not speak it may join;
- SAME_BAND: members with no band, plus the largest band count (AddMaxEquality);
- WORKING_HOURS: the day's quarter hours fall into classes (which working windows cover
  them); a class is open in a set only if every member's window covers it, and each member
  earns the open quarter hours (members-in-open-class counts, bounded by size and by open);
- SHARED_THEME / ROLE_LEVEL (match): the largest theme / level count; ROLE_LEVEL (spread): a
  member counts only if no one else in the set has their level;
- LIVED_EXPERIENCE: a member who chose it counts only if another who chose it is there;
- REPEAT: a pair from one set last cycle both in a set; FACILITATOR_SPREAD: facilitators
  beyond the first.
Placing people comes first (a large weight per person placed), then the objective, scaled to
integers (`SCALE`); `assess` rescores the answer with the matcher's own scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from core.sets.matching import (
    DAY_SLOTS,
    WORKING_SLOTS,
    Candidate,
    Grouping,
    History,
    Levels,
    SetSize,
    SetWeights,
    working_window,
)

SCALE = 3200  # weights x 3200 are whole numbers for weights with up to two decimals
PLACE = 10**9  # per person placed: above any objective


@dataclass(frozen=True)
class Exact:
    groups: list[list[int]]
    objective: float  # the model's own value (unscaled)
    bound: float  # CP-SAT's proven upper bound on the objective
    optimal: bool
    seconds: float


def solve(
    people: Sequence[Candidate],
    on: date,
    sets: int,
    size: SetSize,
    weights: SetWeights,
    history: History | None = None,
    seconds: float = 60.0,
    workers: int = 2,
) -> Exact:
    history = history or History()
    n = len(people)
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{s}") for s in range(sets)] for i in range(n)]
    placed = [model.new_bool_var(f"placed{i}") for i in range(n)]
    for i in range(n):
        model.add(sum(x[i]) == placed[i])
    size_of = []
    used = []
    for s in range(sets):
        members = sum(x[i][s] for i in range(n))
        count = model.new_int_var(0, size.maximum, f"size{s}")
        model.add(count == members)
        on_ = model.new_bool_var(f"used{s}")
        model.add(count >= size.minimum).only_enforce_if(on_)
        model.add(count == 0).only_enforce_if(~on_)
        size_of.append(count)
        used.append(on_)
    for s in range(1, sets):
        model.add(size_of[s] <= size_of[s - 1])
    # Hard rules.
    orgs: dict[str, list[int]] = {}
    for i, p in enumerate(people):
        orgs.setdefault(" ".join(p.organisation.split()).casefold(), []).append(i)
    position = {p.id: i for i, p in enumerate(people)}
    avoided = {
        (min(i, position[o]), max(i, position[o]))
        for i, p in enumerate(people)
        for o in p.avoid
        if o in position and position[o] != i
    }
    languages = sorted({lang for p in people for lang in p.languages})
    for s in range(sets):
        for members in orgs.values():
            if len(members) > 1:
                model.add(sum(x[i][s] for i in members) <= 1)
        for i, j in avoided:
            model.add(x[i][s] + x[j][s] <= 1)
        chosen = [model.new_bool_var(f"lang{s}_{k}") for k in range(len(languages))]
        model.add(sum(chosen) == used[s])
        for i, p in enumerate(people):
            for k, lang in enumerate(languages):
                if lang not in p.languages:
                    model.add(x[i][s] + chosen[k] <= 1)
    terms = []  # (scaled weight, expression)

    def top_count(groups: list[list[int]], s: int, name: str) -> cp_model.IntVar:
        counts = []
        for g, members in enumerate(groups):
            c = model.new_int_var(0, size.maximum, f"{name}{s}_{g}")
            model.add(c == sum(x[i][s] for i in members))
            counts.append(c)
        top = model.new_int_var(0, size.maximum, f"{name}top{s}")
        model.add_max_equality(top, counts or [model.new_constant(0)])
        return top

    def grouped(values: Sequence[str]) -> list[list[int]]:
        by_value: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            if v:
                by_value.setdefault(v, []).append(i)
        return [by_value[v] for v in sorted(by_value)]

    bands = grouped([p.org_size for p in people])
    levels = grouped([p.role_level for p in people])
    themes_by: dict[str, list[int]] = {}
    for i, p in enumerate(people):
        for t in p.themes:
            themes_by.setdefault(t, []).append(i)
    themes = [themes_by[t] for t in sorted(themes_by)]
    windows = [working_window(p.timezone, on) for p in people]
    classes: dict[tuple[bool, ...], int] = {}  # which windows cover a quarter hour: how many
    for slot in range(DAY_SLOTS):
        cover = tuple(bool((w >> slot) & 1) for w in windows)
        if any(cover):
            classes[cover] = classes.get(cover, 0) + 1
    lived = [i for i, p in enumerate(people) if p.lived_experience]
    facilitators = [i for i, p in enumerate(people) if p.facilitator]
    last = history.last_cycle_set
    repeat_pairs = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if people[i].id in last
        and people[j].id in last
        and last[people[i].id] == last[people[j].id]
    ]
    w = weights
    for s in range(sets):
        if w.grouping is Grouping.SAME_BAND:
            unbanded = [i for i, p in enumerate(people) if not p.org_size]
            terms.append(
                (w.same_band, top_count(bands, s, "band") + sum(x[i][s] for i in unbanded))
            )
        for k, (cover, quarters) in enumerate(classes.items()):
            open_ = model.new_bool_var(f"open{s}_{k}")
            for i in range(n):
                if not cover[i]:
                    model.add(x[i][s] + open_ <= 1)
            earning = model.new_int_var(0, size.maximum, f"earn{s}_{k}")
            model.add(earning <= size_of[s])
            model.add(earning <= size.maximum * open_)
            terms.append((w.working_hours * quarters / WORKING_SLOTS, earning))
        terms.append((w.shared_theme, top_count(themes, s, "theme")))
        if w.role_levels is Levels.MATCH:
            terms.append((w.role_level, top_count(levels, s, "level")))
        else:
            for members in levels:
                for i in members:
                    alone = model.new_bool_var(f"alone{i}_{s}")
                    model.add(alone <= x[i][s])
                    for j in members:
                        if j != i:
                            model.add(alone + x[j][s] <= 1)
                    terms.append((w.role_level, alone))
        for i in lived:
            together = model.new_bool_var(f"lived{i}_{s}")
            model.add(together <= x[i][s])
            model.add(together <= sum(x[j][s] for j in lived if j != i))
            terms.append((w.lived_experience, together))
        for i, j in repeat_pairs:
            both = model.new_bool_var(f"rep{i}_{j}_{s}")
            model.add(both >= x[i][s] + x[j][s] - 1)
            terms.append((-w.repeat, both))
        if facilitators:
            excess = model.new_int_var(0, size.maximum, f"fac{s}")
            model.add(excess >= sum(x[i][s] for i in facilitators) - 1)
            terms.append((-w.facilitator_spread, excess))
    objective = sum(round(weight * SCALE) * expr for weight, expr in terms)
    model.maximize(PLACE * sum(placed) + objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError("CP-SAT found no answer in time")
    groups = [[people[i].id for i in range(n) if solver.value(x[i][s])] for s in range(sets)]
    count = sum(solver.value(p) for p in placed)
    value = (solver.objective_value - PLACE * count) / SCALE
    bound = (solver.best_objective_bound - PLACE * count) / SCALE
    return Exact(
        groups=[g for g in groups if g],
        objective=value,
        bound=bound,
        optimal=status == cp_model.OPTIMAL,
        seconds=solver.wall_time,
    )
