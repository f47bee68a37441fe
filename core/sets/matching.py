"""Who shares an action learning set with whom: a pure function, no database, no platform.

`form_sets` takes the people who want a set (`Candidate`), the set size (`SetSize`), the
facilitators' weights (`SetWeights`), who was together last cycle (`History`), the date the
sets' working hours are compared on, and a random generator. It returns the sets, anyone who
could not be placed with a reason code (`Unplaced`), per-set warnings (`SetWarning`) and the
quality figures (`Quality`). `assess` gives the same warnings and figures for sets changed
by hand (the facilitators' preview: move one person, swap two). No sentence lives here:
reasons, warnings and terms are codes, and their words are added where they are shown.

Hard rules (never broken by `form_sets`; `assess` reports them as warnings after hand edits)
    - nobody shares a set with someone from their own organisation (names compared
      case-insensitively, spaces trimmed);
    - nobody shares a set with someone they asked to avoid, or who asked to avoid them;
    - the whole set shares a language: one language every member speaks (a chain where A
      and B share French and B and C share English is not a set that can meet);
    - every set has between `SetSize.minimum` and `SetSize.maximum` members.

How many sets, and how big
    The number of sets is decided first, from how many people there are: as many as
    `ceil(people / preferred)` (preferred is 6, "5 or 6 is typical", or the maximum if that
    is smaller), moved into the range the sizes allow, `ceil(people / max)` to
    `floor(people / min)`. Sizes then start as even as possible: 23 people with 4–6 make
    four sets, 6, 6, 6 and 5; 25 make five sets of 5; 13 make 5, 4, 4; with 4–8, 23 make
    6, 6, 6, 5 again rather than 8, 8, 7. The search may then move people between sets
    within min..max. When no split is possible (7 people with 4–6), as many as can be are
    placed and the rest are unplaced with `NO_ROOM`. People who share no language with the
    majority form sets of their own language when they are enough (bilingual members join
    them to make up the numbers), so such a community can have a set or two more.

The objective (soft rules; every term is counted per member, so it does not change with
the number of sets)
    - SAME_BAND: a member in their set's organisation size band (the band most of the set
      is in; a member who gave no band fits any band). Off when the facilitator asks for
      mixed sets (`Grouping.MIXED`: size band plays no part).
    - WORKING_HOURS: each member earns the share of the 09:00–17:00 working day (in each
      member's own timezone, on the reference date, so clock changes count) that the whole
      set has in common: 1 for the same timezone, 0 when there is no common hour.
    - SHARED_THEME: a member who chose the set's theme (the theme most of the set chose).
    - ROLE_LEVEL: `Levels.SPREAD` (default): a member whose role level nobody else in the
      set has; `Levels.MATCH`: a member in the set's most common level. No level: no score.
    - LIVED_EXPERIENCE: a member who chose the private lived-experience preference and has
      at least one other member in the set who chose it.
    - REPEAT (subtracted): each pair of members who were in one set last cycle.
    - FACILITATOR_SPREAD (subtracted): each facilitator beyond the first in a set.
    The objective is the weighted sum (`SetWeights`); `Quality.terms` gives each term's
    unweighted total.

Search (fast, and close to the optimum)
    1. Language pools: each person goes to the pool of their most widely spoken language.
       A pool too small to split into sets borrows bilingual members from bigger pools, or
       gives up members who speak another language; who is still left over waits (step 3).
    2. Seeding: in each pool, people sorted by size band, then timezone, are dealt into the
       pool's sets in turn, each to whichever of the few most recently opened sets with room
       (`SEED_WINDOW`) gains most and keeps the hard rules; a new set opens when none can.
    3. Placing the rest: anyone waiting joins a set with room, or takes someone's place who
       can move to a set with room; sets below the minimum borrow members or are dissolved
       and their members placed again; people still waiting form new sets among themselves
       when there are enough who can be together.
    4. Local search: for each person, moves to another set (when both sizes stay in range)
       and swaps with each member of another set, keeping the best gain, until a pass makes
       no change. Up to `SMALL` people every set is tried, for as many passes as help; above
       that, the neighbouring sets in the seeding order (similar band and timezone) and a
       few random ones, for `BIG_PASSES` passes, so the cost grows linearly with the
       community. On the benchmark (benchmarks/results/sets.md): at 12 people, where CP-SAT
       proves its optimum, the median is the optimum and the worst 0.94 of it (a plateau two
       swaps deep); at 20 and 30, at least CP-SAT's best answer after 30 s; 10,000 people in
       about 2 s.
    5. Reasons for anyone still unplaced, from the hard rules: no one else speaks their
       language; only colleagues do; everyone who does was avoided (either way); or there
       was no room (the numbers do not divide, or every set they could join is full).
    Up to `RESTARTS_UP_TO` people (a few milliseconds a run) steps 2-4 run from `RESTARTS`
    shuffled orders and the best answer is kept (most people placed, then the objective).
    The generator decides the order people are considered in and the random sets tried, so
    a run is the same for the same seed.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from itertools import combinations
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_SET_SIZE = 8
TYPICAL_SIZE = 6  # "5 or 6 is typical": how many sets there are aims at sets of six
SLOT_MINUTES = 15  # timezones differ by whole quarter hours (Nepal's +05:45 included)
DAY_SLOTS = 24 * 60 // SLOT_MINUTES
WORKING_SLOTS = 8 * 60 // SLOT_MINUTES  # 09:00-17:00
POOR_OVERLAP_SLOTS = 2 * 60 // SLOT_MINUTES  # under two hours in common: a warning
ALL_DAY = (1 << DAY_SLOTS) - 1
SMALL = 240  # up to this many people the local search tries every set, to a local optimum
SMALL_PASSES = 40  # at most (a pass that changes nothing ends the search sooner)
# Up to this many people, step 4 also tries exchanging two people of one set for two of
# another: the plateaus single moves and swaps cannot leave (about 2,000 tries a pass at 30).
PAIR_EXCHANGE_UP_TO = 60
BIG_PASSES = 1  # a second pass gained 0.25% of the upper bound at 10,000 for 80% more time
NEAR_SETS = 2  # big communities: sets either side in the seeding order...
RANDOM_SETS = 2  # ...and this many random ones, tried per person per pass
SEED_WINDOW = 6  # open sets a newcomer is weighed against while seeding
EPSILON = 1e-9
RESTARTS = 12  # small communities: the search runs from this many orders, the best is kept
RESTARTS_UP_TO = 60


class Grouping(StrEnum):
    """How organisation size bands shape the sets."""

    SAME_BAND = "same_band"  # similar-sized organisations together (the community's ask)
    MIXED = "mixed"  # size band plays no part


class Levels(StrEnum):
    """For role levels: a spread within each set, or alike."""

    SPREAD = "spread"
    MATCH = "match"


@dataclass(frozen=True)
class SetSize:
    minimum: int = 4
    maximum: int = 6
    preferred: int = TYPICAL_SIZE  # clamped into minimum..maximum

    def __post_init__(self) -> None:
        if not 2 <= self.minimum <= self.maximum <= MAX_SET_SIZE:
            raise ValueError("set sizes must satisfy 2 <= minimum <= maximum <= 8")

    @property
    def target(self) -> int:
        return min(self.maximum, max(self.minimum, self.preferred))


@dataclass(frozen=True)
class SetWeights:
    """How much each soft rule counts (per member; see the module docstring)."""

    grouping: Grouping = Grouping.SAME_BAND
    same_band: float = 4.0
    working_hours: float = 3.0  # times the share of the working day the set has in common
    shared_theme: float = 1.0
    role_levels: Levels = Levels.SPREAD
    role_level: float = 1.0
    lived_experience: float = 2.0
    repeat: float = 6.0  # per pair together last cycle (subtracted)
    facilitator_spread: float = 6.0  # per facilitator beyond the first in a set (subtracted)


@dataclass(frozen=True)
class Candidate:
    """One person who wants a set, with only what matching needs."""

    id: int
    organisation: str
    languages: frozenset[str]
    timezone: str = "Europe/London"  # an IANA name
    org_size: str = ""  # the organisation's size band; "" when not given
    role_level: str = ""
    themes: frozenset[str] = frozenset()
    lived_experience: bool = False  # private; used only to bring such members together
    facilitator: bool = False  # a facilitator taking part as a member
    avoid: frozenset[int] = frozenset()  # ids this person asked never to be grouped with


@dataclass(frozen=True)
class History:
    """The set each person was in last cycle (any numbering), by member id."""

    last_cycle_set: Mapping[int, int] = field(default_factory=dict)


class Unplaced(StrEnum):
    TOO_FEW_PEOPLE = "too_few_people"  # fewer people want a set than its minimum size
    NO_SHARED_LANGUAGE = "no_shared_language"  # too few others speak any of their languages
    ONLY_OWN_ORGANISATION = "only_own_organisation"  # those who do are their colleagues
    AVOIDED = "avoided"  # those who do were avoided (by them, or they by them)
    NO_ROOM = "no_room"  # the numbers don't divide into sets, or every set they fit is full


class SetWarning(StrEnum):
    # Hard rules: `form_sets` never breaks them; they appear after a move by hand.
    NO_SHARED_LANGUAGE = "no_shared_language"
    SAME_ORGANISATION = "same_organisation"
    AVOIDED_PAIR = "avoided_pair"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    # Soft: worth a look.
    POOR_TIMEZONE_OVERLAP = "poor_timezone_overlap"  # under two working hours in common
    REPEAT_FROM_LAST_CYCLE = "repeat_from_last_cycle"


HARD_WARNINGS = frozenset(
    {
        SetWarning.NO_SHARED_LANGUAGE,
        SetWarning.SAME_ORGANISATION,
        SetWarning.AVOIDED_PAIR,
        SetWarning.TOO_SMALL,
        SetWarning.TOO_LARGE,
    }
)


class Term(StrEnum):
    SAME_BAND = "same_band"
    WORKING_HOURS = "working_hours"
    SHARED_THEME = "shared_theme"
    ROLE_LEVEL = "role_level"
    LIVED_EXPERIENCE = "lived_experience"
    REPEAT = "repeat"
    FACILITATOR_SPREAD = "facilitator_spread"


TERMS = tuple(Term)


@dataclass(frozen=True)
class FormedSet:
    members: tuple[int, ...]
    language: str | None  # a language the whole set speaks (the most widely spoken one)
    common_minutes: int  # of the 09:00-17:00 working day, in everyone's timezone
    single_band: bool  # at most one size band among those who gave one
    warnings: tuple[SetWarning, ...]


@dataclass(frozen=True)
class Quality:
    objective: float
    terms: Mapping[Term, float]  # unweighted totals (see the module docstring)
    single_band_share: float  # of the sets (1.0 when there are none)
    hard_violations: int  # hard warnings over all sets (0 from `form_sets`)
    poor_overlap_sets: int


@dataclass(frozen=True)
class Formation:
    sets: tuple[FormedSet, ...]
    unplaced: tuple[tuple[int, Unplaced], ...]
    quality: Quality


# --- sizes -----------------------------------------------------------------------------


def splittable(people: int, size: SetSize) -> bool:
    """Whether `people` can be split into sets of size.minimum..size.maximum (0 can)."""
    return -(-people // size.maximum) <= people // size.minimum


def planned_set_count(people: int, size: SetSize) -> int:
    """How many sets `people` make (0 when no split is possible); see the module docstring."""
    if people <= 0 or not splittable(people, size):
        return 0
    fewest, most = -(-people // size.maximum), people // size.minimum
    return min(most, max(fewest, -(-people // size.target)))


def split_sizes(people: int, size: SetSize) -> tuple[int, ...]:
    """The starting sizes: `planned_set_count` sets, as even as possible, largest first."""
    count = planned_set_count(people, size)
    if count == 0:
        return ()
    base, extra = divmod(people, count)
    return tuple(base + 1 if k < extra else base for k in range(count))


def _largest_splittable(people: int, size: SetSize) -> int:
    while people > 0 and not splittable(people, size):
        people -= 1
    return people


# --- working hours ---------------------------------------------------------------------


@lru_cache(maxsize=1024)
def working_window(timezone: str, on: date) -> int:
    """09:00–17:00 in `timezone` on the date `on`, as a bit mask of the day's quarter hours
    in UTC (bit k: 00:00 + 15k minutes UTC; windows that cross midnight UTC wrap round)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown timezone {timezone!r}") from error
    offset = datetime.combine(on, time(9), tzinfo=zone).utcoffset()
    offset_minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    start = ((9 * 60 - offset_minutes) % (24 * 60)) // SLOT_MINUTES
    window = ((1 << WORKING_SLOTS) - 1) << start
    return (window | (window >> DAY_SLOTS)) & ALL_DAY


def common_minutes(timezones: Iterable[str], on: date) -> int:
    """Minutes of the working day everyone in these timezones has in common."""
    window = ALL_DAY
    for timezone in timezones:
        window &= working_window(timezone, on)
    return window.bit_count() * SLOT_MINUTES


# --- the problem, as numbers -------------------------------------------------------------


def _organisation_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Problem:
    """People by position 0..n-1, everything as small integers, and the set score."""

    def __init__(
        self,
        people: Sequence[Candidate],
        on: date,
        weights: SetWeights,
        history: History,
    ) -> None:
        n = len(people)
        self.n = n
        self.ids = [p.id for p in people]
        position = {pid: i for i, pid in enumerate(self.ids)}
        organisations: dict[str, int] = {}
        self.org = [
            organisations.setdefault(_organisation_key(p.organisation), len(organisations))
            for p in people
        ]
        # Bits numbered in name order, so nothing depends on how strings hash.
        self.language_names = sorted({lang for p in people for lang in p.languages})
        language_bit = {name: k for k, name in enumerate(self.language_names)}
        self.language = [sum(1 << language_bit[lang] for lang in p.languages) for p in people]
        self.speakers = [0] * len(self.language_names)
        for mask in self.language:
            for k in range(len(self.language_names)):
                self.speakers[k] += (mask >> k) & 1
        themes = {name: k for k, name in enumerate(sorted({t for p in people for t in p.themes}))}
        self.themes = [tuple(sorted(themes[t] for t in p.themes)) for p in people]
        bands = {name: k for k, name in enumerate(sorted({p.org_size for p in people} - {""}))}
        self.band = [bands.get(p.org_size, -1) for p in people]
        levels = {name: k for k, name in enumerate(sorted({p.role_level for p in people} - {""}))}
        self.level = [levels.get(p.role_level, -1) for p in people]
        self.lived = [p.lived_experience for p in people]
        self.facilitator = [p.facilitator for p in people]
        self.window = [working_window(p.timezone, on) for p in people]
        self.window_start = [_window_start(w) for w in self.window]
        previous = history.last_cycle_set
        self.previous = [previous.get(pid, -1) for pid in self.ids]
        self.previous = [v if isinstance(v, int) else -1 for v in self.previous]
        blocked: list[set[int]] = [set() for _ in range(n)]
        for i, p in enumerate(people):
            for other in p.avoid:
                j = position.get(other)
                if j is not None and j != i:
                    blocked[i].add(j)
                    blocked[j].add(i)
        self.blocked = [frozenset(b) if b else None for b in blocked]
        self.weights = weights
        self.same_band = weights.grouping is Grouping.SAME_BAND
        # For the search's score: every count a set needs, packed into one integer per
        # person as 4-bit digits (a set of at most 8 never carries a digit over), so a set's
        # counts are the sum of its members' codes.
        digit = 0
        self.band_shifts = [4 * (digit + k) for k in range(len(bands))]
        digit += len(bands)
        self.any_band_shift = 4 * digit
        digit += 1
        self.level_shifts = [4 * (digit + k) for k in range(len(levels))]
        digit += len(levels)
        self.theme_shifts = [4 * (digit + k) for k in range(len(themes))]
        digit += len(themes)
        self.lived_shift, self.facilitator_shift = 4 * digit, 4 * (digit + 1)
        self.code = [
            (1 << (self.band_shifts[self.band[i]] if self.band[i] >= 0 else self.any_band_shift))
            + (1 << self.level_shifts[self.level[i]] if self.level[i] >= 0 else 0)
            + sum(1 << self.theme_shifts[t] for t in self.themes[i])
            + (self.lived[i] << self.lived_shift)
            + (self.facilitator[i] << self.facilitator_shift)
            for i in range(n)
        ]
        self.any_previous = any(v >= 0 for v in self.previous)
        self.spread = weights.role_levels is Levels.SPREAD
        self.hours_weight = weights.working_hours / WORKING_SLOTS

    # Hard rules ------------------------------------------------------------------------

    def fits(self, p: int, members: Sequence[int], without: int = -1) -> bool:
        """Whether p may join `members` (less `without`, when p takes their place)."""
        org_p, language = self.org[p], self.language[p]
        blocked = self.blocked[p]
        for m in members:
            if m == without:
                continue
            if self.org[m] == org_p or (blocked is not None and m in blocked):
                return False
            language &= self.language[m]
        return language != 0

    def valid(self, members: Sequence[int]) -> bool:
        """Whether `members` may be one set: no colleagues, nobody avoided, one language
        everyone speaks (the first call checks the whole set's language)."""
        return all(self.fits(p, members[i + 1 :]) for i, p in enumerate(members))

    # Scores ------------------------------------------------------------------------------

    def terms(self, members: Sequence[int]) -> tuple[float, float, float, float, int, int, int]:
        """The unweighted terms of one set, in `Term` order."""
        band_count: dict[int, int] = {}
        level_count: dict[int, int] = {}
        theme_count: dict[int, int] = {}
        previous_count: dict[int, int] = {}
        any_band = lived = facilitators = 0
        window = ALL_DAY
        for m in members:
            b = self.band[m]
            if b < 0:
                any_band += 1
            else:
                band_count[b] = band_count.get(b, 0) + 1
            v = self.level[m]
            if v >= 0:
                level_count[v] = level_count.get(v, 0) + 1
            for t in self.themes[m]:
                theme_count[t] = theme_count.get(t, 0) + 1
            c = self.previous[m]
            if c >= 0:
                previous_count[c] = previous_count.get(c, 0) + 1
            lived += self.lived[m]
            facilitators += self.facilitator[m]
            window &= self.window[m]
        top_band = max(band_count.values()) if band_count else 0
        band = any_band + top_band if self.same_band else 0
        hours = len(members) * window.bit_count() / WORKING_SLOTS
        theme = max(theme_count.values()) if theme_count else 0
        if self.spread:
            level = sum(1 for c in level_count.values() if c == 1)
        else:
            level = max(level_count.values()) if level_count else 0
        repeats = sum(c * (c - 1) // 2 for c in previous_count.values())
        return (
            band,
            hours,
            theme,
            level,
            lived if lived >= 2 else 0,
            repeats,
            max(0, facilitators - 1),
        )

    def score(self, members: Sequence[int]) -> float:
        """The weighted sum of `terms` for a set of at most 8, quickly (the search's inner
        loop): the same value, from the packed counts."""
        if not members:
            return 0.0
        code, windows = self.code, self.window
        packed = 0
        window = ALL_DAY
        for m in members:
            packed += code[m]
            window &= windows[m]
        w = self.weights
        total = w.working_hours * len(members) * window.bit_count() / WORKING_SLOTS
        if self.same_band:
            top = 0
            for shift in self.band_shifts:
                count = (packed >> shift) & 15
                if count > top:
                    top = count
            total += w.same_band * (top + ((packed >> self.any_band_shift) & 15))
        top = 0
        for shift in self.theme_shifts:
            count = (packed >> shift) & 15
            if count > top:
                top = count
        total += w.shared_theme * top
        level = 0
        if self.spread:
            for shift in self.level_shifts:
                level += ((packed >> shift) & 15) == 1
        else:
            for shift in self.level_shifts:
                count = (packed >> shift) & 15
                if count > level:
                    level = count
        total += w.role_level * level
        lived = (packed >> self.lived_shift) & 15
        if lived >= 2:
            total += w.lived_experience * lived
        facilitators = (packed >> self.facilitator_shift) & 15
        if facilitators > 1:
            total -= w.facilitator_spread * (facilitators - 1)
        if self.any_previous:
            previous = self.previous
            earlier = [previous[m] for m in members if previous[m] >= 0]
            if len(set(earlier)) < len(earlier):
                total -= w.repeat * sum(c * (c - 1) // 2 for c in _counts(earlier))
        return total

    def weighted(self, members: Sequence[int]) -> float:
        """`score` for a set of any size (after hand edits), from `terms`."""
        if not members:
            return 0.0
        band, hours, theme, level, lived, repeats, excess = self.terms(members)
        w = self.weights
        return (
            w.same_band * band
            + w.working_hours * hours
            + w.shared_theme * theme
            + w.role_level * level
            + w.lived_experience * lived
            - w.repeat * repeats
            - w.facilitator_spread * excess
        )


def _counts(values: Iterable[int]) -> Iterable[int]:
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts.values()


def _window_start(window: int) -> int:
    """Where a working window starts (a sort key that keeps nearby timezones together)."""
    for k in range(DAY_SLOTS):
        if (window >> k) & 1 and not (window >> ((k - 1) % DAY_SLOTS)) & 1:
            return k
    return 0


# --- seeding -------------------------------------------------------------------------------


def _pools(problem: _Problem, size: SetSize, waiting: list[int]) -> list[list[int]]:
    """People grouped by the language their set will speak (step 1 of the search)."""
    by_language: dict[int, list[int]] = {}
    for p in range(problem.n):
        mask = problem.language[p]
        if not mask:
            waiting.append(p)
            continue
        spoken = [k for k in range(len(problem.speakers)) if (mask >> k) & 1]
        primary = min(spoken, key=lambda k: (-problem.speakers[k], k))
        by_language.setdefault(primary, []).append(p)
    # Smallest pools first: they borrow from the big ones while the big ones can spare.
    for lang in sorted(by_language, key=lambda k: (len(by_language[k]), k)):
        pool = by_language[lang]
        if splittable(len(pool), size):
            continue
        if _borrow(problem, size, by_language, lang):
            continue
        keep = _largest_splittable(len(pool), size)
        # Those who also speak another language go first: they may fit a set there.
        pool.sort(key=lambda q: problem.language[q].bit_count() > 1)
        waiting.extend(pool[keep:])
        del pool[keep:]
    return [by_language[k] for k in sorted(by_language) if by_language[k]]


def _pool_sizes(problem: _Problem, size: SetSize, pool: Sequence[int]) -> tuple[int, ...]:
    """`split_sizes`, with at least as many sets as the pool's largest organisation has
    people (colleagues never share a set), when the minimum size allows."""
    count = planned_set_count(len(pool), size)
    colleagues: dict[int, int] = {}
    for p in pool:
        colleagues[problem.org[p]] = colleagues.get(problem.org[p], 0) + 1
    count = max(count, min(len(pool) // size.minimum, max(colleagues.values(), default=0)))
    if count == 0:
        return ()
    base, extra = divmod(len(pool), count)
    return tuple(base + 1 if k < extra else base for k in range(count))


def _borrow(problem: _Problem, size: SetSize, by_language: dict[int, list[int]], lang: int) -> bool:
    """Make the pool of `lang` splittable with members of one other pool who speak it too,
    leaving that pool splittable; the fewest borrowed, colleagues of the pool's people last."""
    pool = by_language[lang]
    taken = {problem.org[p] for p in pool}
    for extra in range(1, 2 * size.maximum + 1):
        if not splittable(len(pool) + extra, size):
            continue
        for other in sorted(by_language, key=lambda k: (-len(by_language[k]), k)):
            lender = by_language[other]
            if other == lang or not splittable(len(lender) - extra, size):
                continue
            speakers = [q for q in lender if (problem.language[q] >> lang) & 1]
            if len(speakers) < extra:
                continue
            speakers.sort(key=lambda q: problem.org[q] in taken)
            for q in speakers[:extra]:
                lender.remove(q)
                pool.append(q)
            return True
    return False


def _seed(problem: _Problem, size: SetSize, waiting: list[int]) -> list[list[int]]:
    """Deal each pool's people into its sets (step 2): first the colleagues of organisations
    with many people here, one per set, then everyone else sorted by band and timezone."""
    sets: list[list[int]] = []
    for pool in _pools(problem, size, waiting):
        targets = _pool_sizes(problem, size, pool)
        pool_sets: list[list[int]] = [[] for _ in targets]
        sets += pool_sets
        colleagues: dict[int, list[int]] = {}
        for p in pool:
            colleagues.setdefault(problem.org[p], []).append(p)
        crowded = {org for org, members in colleagues.items() if 4 * len(members) > len(targets)}
        order = sorted(
            pool,
            key=lambda p: (
                problem.org[p] not in crowded,
                problem.band[p] if problem.same_band and problem.band[p] >= 0 else 1 << 20,
                problem.window_start[p],
            ),
        )
        cursor = 0
        for p in order:
            while cursor < len(pool_sets) and len(pool_sets[cursor]) >= targets[cursor]:
                cursor += 1
            if problem.org[p] in crowded:
                window = range(len(pool_sets))
            else:
                window = range(cursor, min(len(pool_sets), cursor + SEED_WINDOW))
            best, best_gain = -1, float("-inf")
            for started in (True, False):  # a set already begun first; an empty one if none
                for s in window:
                    members = pool_sets[s]
                    if len(members) >= targets[s] or bool(members) is not started:
                        continue
                    if problem.fits(p, members):
                        gain = problem.score([*members, p]) - problem.score(members)
                        if gain > best_gain:
                            best, best_gain = s, gain
                if best >= 0:
                    break
            if best < 0:
                best = next(
                    (
                        s
                        for s, members in enumerate(pool_sets)
                        if len(members) < targets[s] and problem.fits(p, members)
                    ),
                    -1,
                )
            if best < 0:
                waiting.append(p)
            else:
                pool_sets[best].append(p)
    return [members for members in sets if members]


def _place_waiting(
    problem: _Problem, size: SetSize, sets: list[list[int]], waiting: list[int]
) -> list[int]:
    """Step 3: the waiting join sets with room, directly or by taking someone's place."""
    still: list[int] = []
    for p in waiting:
        best, best_gain = -1, float("-inf")
        for s, members in enumerate(sets):
            if len(members) < size.maximum and problem.fits(p, members):
                gain = problem.score([*members, p]) - problem.score(members)
                if gain > best_gain:
                    best, best_gain = s, gain
        if best >= 0:
            sets[best].append(p)
            continue
        if _displace(problem, size, sets, p):
            continue
        still.append(p)
    return still


def _displace(problem: _Problem, size: SetSize, sets: list[list[int]], p: int) -> bool:
    """p takes q's place in a full set, and q moves to another set with room."""
    with_room = [s for s, members in enumerate(sets) if len(members) < size.maximum]
    if not with_room:
        return False
    for s, members in enumerate(sets):
        for q in members:
            if not problem.fits(p, members, without=q):
                continue
            for r in with_room:
                if r != s and problem.fits(q, sets[r]):
                    members[members.index(q)] = p
                    sets[r].append(q)
                    return True
    return False


def _fill_small_sets(
    problem: _Problem, size: SetSize, sets: list[list[int]], waiting: list[int]
) -> None:
    """Sets below the minimum borrow members from sets above it, or are dissolved."""
    for s, members in enumerate(sets):
        for p in list(waiting):
            if 0 < len(members) < size.minimum and problem.fits(p, members):
                members.append(p)
                waiting.remove(p)
        while 0 < len(members) < size.minimum:
            lender = next(
                (
                    (r, q)
                    for r, others in enumerate(sets)
                    if r != s and len(others) > size.minimum
                    for q in others
                    if problem.fits(q, members)
                ),
                None,
            )
            if lender is None:
                waiting.extend(members)
                members.clear()
                break
            r, q = lender
            sets[r].remove(q)
            members.append(q)
    sets[:] = [members for members in sets if members]


def _new_sets(problem: _Problem, size: SetSize, sets: list[list[int]], waiting: list[int]) -> None:
    """People still waiting start new sets, with others waiting and members borrowed from
    sets above the minimum, while that places someone."""
    while waiting and (len(sets) + 1) * size.minimum <= problem.n:
        placed = False
        for start in waiting:
            members = [start]
            for q in waiting:
                if q != start and len(members) < size.target and problem.fits(q, members):
                    members.append(q)
            borrowed: list[tuple[int, int]] = []
            for r, others in enumerate(sets):
                if len(members) >= size.minimum:
                    break
                if len(others) > size.minimum:
                    q = next((q for q in others if problem.fits(q, members)), -1)
                    if q >= 0:
                        members.append(q)
                        borrowed.append((r, q))
            if len(members) >= size.minimum:
                for r, q in borrowed:
                    sets[r].remove(q)
                sets.append(members)
                waiting[:] = [q for q in waiting if q not in members]
                placed = True
                break
        if not placed:
            return


# --- local search ----------------------------------------------------------------------------


def _improve(problem: _Problem, size: SetSize, sets: list[list[int]], rng: random.Random) -> None:
    """Step 4: moves and swaps between sets while the objective grows."""
    count = len(sets)
    if count < 2:
        return
    small = problem.n <= SMALL
    where = [-1] * problem.n
    for s, members in enumerate(sets):
        for m in members:
            where[m] = s
    scores = [problem.score(members) for members in sets]
    people = [m for members in sets for m in members]
    fits, score = problem.fits, problem.score
    for _ in range(SMALL_PASSES if small else BIG_PASSES):
        rng.shuffle(people)
        changed = 0
        for p in people:
            a = where[p]
            home = sets[a]
            if small:
                candidates: Iterable[int] = range(count)
            else:
                near = range(max(0, a - NEAR_SETS), min(count, a + NEAR_SETS + 1))
                candidates = {*near, *(rng.randrange(count) for _ in range(RANDOM_SETS))}
            without_p = [m for m in home if m != p]
            score_without_p = score(without_p)
            can_leave = len(home) > size.minimum
            best_gain, best_b, best_q = EPSILON, -1, -1
            for b in candidates:
                if b == a:
                    continue
                there = sets[b]
                base = scores[a] + scores[b]
                if can_leave and len(there) < size.maximum and fits(p, there):
                    gain = score_without_p + score([*there, p]) - base
                    if gain > best_gain:
                        best_gain, best_b, best_q = gain, b, -1
                for q in there:
                    if not fits(p, there, without=q) or not fits(q, without_p):
                        continue
                    gain = (
                        score([*without_p, q]) + score([p if m == q else m for m in there]) - base
                    )
                    if gain > best_gain:
                        best_gain, best_b, best_q = gain, b, q
            if best_b < 0:
                continue
            there = sets[best_b]
            if best_q < 0:
                home.remove(p)
                there.append(p)
            else:
                home[home.index(p)] = best_q
                there[there.index(best_q)] = p
                where[best_q] = a
            where[p] = best_b
            scores[a], scores[best_b] = score(home), score(there)
            changed += 1
        if changed == 0:
            break


def _exchange_pairs(problem: _Problem, sets: list[list[int]]) -> bool:
    """Step 4b (small communities): the best exchange of two members of one set for two of
    another, made if it raises the objective. True when one was made. Sizes never change,
    and both new sets must keep the hard rules."""
    scores = [problem.score(members) for members in sets]
    best_gain, best = EPSILON, None
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            base = scores[a] + scores[b]
            for pa in combinations(sets[a], 2):
                kept_a = [m for m in sets[a] if m not in pa]
                for pb in combinations(sets[b], 2):
                    kept_b = [m for m in sets[b] if m not in pb]
                    new_a, new_b = [*kept_a, *pb], [*kept_b, *pa]
                    if not (problem.valid(new_a) and problem.valid(new_b)):
                        continue
                    gain = problem.score(new_a) + problem.score(new_b) - base
                    if gain > best_gain:
                        best_gain, best = gain, (a, b, new_a, new_b)
    if best is None:
        return False
    a, b, new_a, new_b = best
    sets[a][:], sets[b][:] = new_a, new_b
    return True


# --- reasons, warnings and figures ---------------------------------------------------------


def _reason(problem: _Problem, size: SetSize, p: int, total: int) -> Unplaced:
    if total < size.minimum:
        return Unplaced.TOO_FEW_PEOPLE
    # The loosest rule that already rules p out, checked language by language: a set
    # speaks one language, so enough people must speak that one.
    need = size.minimum - 1
    blocked = problem.blocked[p] or frozenset()
    by_language = [0, 0, 0]  # the most others in one language: speaking, not colleagues, allowed
    for k in range(len(problem.language_names)):
        if not (problem.language[p] >> k) & 1:
            continue
        speakers = [q for q in range(problem.n) if q != p and (problem.language[q] >> k) & 1]
        others = [q for q in speakers if problem.org[q] != problem.org[p]]
        allowed = [q for q in others if q not in blocked]
        for rule, count in enumerate((len(speakers), len(others), len(allowed))):
            by_language[rule] = max(by_language[rule], count)
    if by_language[0] < need:
        return Unplaced.NO_SHARED_LANGUAGE
    if by_language[1] < need:
        return Unplaced.ONLY_OWN_ORGANISATION
    if by_language[2] < need:
        return Unplaced.AVOIDED
    return Unplaced.NO_ROOM


def _describe(
    problem: _Problem, size: SetSize, sets: Sequence[Sequence[int]]
) -> tuple[tuple[FormedSet, ...], Quality]:
    totals = [0.0] * len(TERMS)
    objective = 0.0
    formed: list[FormedSet] = []
    violations = poor = single = 0
    for members in sets:
        for k, value in enumerate(problem.terms(members)):
            totals[k] += value
        objective += problem.weighted(members)
        warnings: list[SetWarning] = []
        language = -1  # every bit set: narrowed below
        window = ALL_DAY
        for m in members:
            language &= problem.language[m]
            window &= problem.window[m]
        shared = [k for k in range(len(problem.language_names)) if (language >> k) & 1]
        if not shared:
            warnings.append(SetWarning.NO_SHARED_LANGUAGE)
        orgs = [problem.org[m] for m in members]
        if len(set(orgs)) < len(orgs):
            warnings.append(SetWarning.SAME_ORGANISATION)
        if any(
            (blocked := problem.blocked[m]) is not None and blocked.intersection(members)
            for m in members
        ):
            warnings.append(SetWarning.AVOIDED_PAIR)
        if len(members) < size.minimum:
            warnings.append(SetWarning.TOO_SMALL)
        if len(members) > size.maximum:
            warnings.append(SetWarning.TOO_LARGE)
        if window.bit_count() < POOR_OVERLAP_SLOTS:
            warnings.append(SetWarning.POOR_TIMEZONE_OVERLAP)
            poor += 1
        previous = [problem.previous[m] for m in members if problem.previous[m] >= 0]
        if len(set(previous)) < len(previous):
            warnings.append(SetWarning.REPEAT_FROM_LAST_CYCLE)
        violations += sum(1 for w in warnings if w in HARD_WARNINGS)
        is_single = len({problem.band[m] for m in members} - {-1}) <= 1
        single += is_single
        best_language = (
            problem.language_names[min(shared, key=lambda k: (-problem.speakers[k], k))]
            if shared
            else None
        )
        formed.append(
            FormedSet(
                members=tuple(problem.ids[m] for m in members),
                language=best_language,
                common_minutes=window.bit_count() * SLOT_MINUTES,
                single_band=is_single,
                warnings=tuple(warnings),
            )
        )
    quality = Quality(
        objective=objective,
        terms=dict(zip(TERMS, totals, strict=True)),
        single_band_share=single / len(sets) if sets else 1.0,
        hard_violations=violations,
        poor_overlap_sets=poor,
    )
    return tuple(formed), quality


# --- the public functions ------------------------------------------------------------------


def form_sets(
    people: Sequence[Candidate],
    on: date,
    size: SetSize | None = None,
    weights: SetWeights | None = None,
    history: History | None = None,
    rng: random.Random | None = None,
) -> Formation:
    """Partition everyone who wants a set (see the module docstring for how and why).
    `on` is the date working hours are compared on (the cycle's start, say)."""
    size = size or SetSize()
    weights = weights or SetWeights()
    history = history or History()
    rng = rng or random.Random(0)  # noqa: S311 (not security: a reproducible order)
    if len({p.id for p in people}) != len(people):
        raise ValueError("each person may take part once")
    collecting = gc.isenabled()
    gc.disable()  # many small lists and no cycles: the collector only costs time here
    try:
        best: tuple[int, float, Formation] | None = None
        for _ in range(RESTARTS if len(people) <= RESTARTS_UP_TO else 1):
            order = list(people)
            rng.shuffle(order)  # ties, and the seeding's order, fall differently each start
            formation = _solve(order, on, size, weights, history, rng)
            placed = sum(len(s.members) for s in formation.sets)
            if best is None or (placed, formation.quality.objective) > best[:2]:
                best = (placed, formation.quality.objective, formation)
        assert best is not None  # noqa: S101 (at least one start)
        return best[2]
    finally:
        if collecting:
            gc.enable()


def _solve(
    order: Sequence[Candidate],
    on: date,
    size: SetSize,
    weights: SetWeights,
    history: History,
    rng: random.Random,
) -> Formation:
    problem = _Problem(order, on, weights, history)
    waiting: list[int] = []
    sets: list[list[int]] = []
    if problem.n >= size.minimum:
        sets = _seed(problem, size, waiting)
        waiting = _place_waiting(problem, size, sets, waiting)
        _fill_small_sets(problem, size, sets, waiting)
        waiting = _place_waiting(problem, size, sets, waiting)
        _new_sets(problem, size, sets, waiting)
        _improve(problem, size, sets, rng)
        if problem.n <= PAIR_EXCHANGE_UP_TO:
            while _exchange_pairs(problem, sets):
                _improve(problem, size, sets, rng)
    else:
        waiting = list(range(problem.n))
    formed, quality = _describe(problem, size, sets)
    unplaced = tuple(
        sorted(
            ((problem.ids[p], _reason(problem, size, p, problem.n)) for p in waiting),
            key=lambda item: item[0],
        )
    )
    return Formation(sets=formed, unplaced=unplaced, quality=quality)


def assess(
    groups: Sequence[Sequence[int]],
    people: Sequence[Candidate],
    on: date,
    size: SetSize | None = None,
    weights: SetWeights | None = None,
    history: History | None = None,
) -> tuple[tuple[FormedSet, ...], Quality]:
    """Warnings and quality figures for sets given by member ids (after a move by hand, or
    from another solver): the same figures `form_sets` reports."""
    problem = _Problem(list(people), on, weights or SetWeights(), history or History())
    position = {pid: i for i, pid in enumerate(problem.ids)}
    return _describe(problem, size or SetSize(), [[position[m] for m in g] for g in groups])


def upper_bound(
    people: Sequence[Candidate],
    on: date,
    size: SetSize | None = None,
    weights: SetWeights | None = None,
) -> float:
    """No partition scores more than this (for benchmarks where the exact optimum is out of
    reach): each member's best possible share of every positive term, and no penalties.
    A member earns SAME_BAND at most once; WORKING_HOURS at most the best overlap with
    anyone else; SHARED_THEME only with a theme; ROLE_LEVEL only with a level;
    LIVED_EXPERIENCE only if someone else chose it."""
    size = size or SetSize()
    weights = weights or SetWeights()
    problem = _Problem(list(people), on, weights, History())
    holders: dict[int, int] = {}  # how many hold each working window
    for window in problem.window:
        holders[window] = holders.get(window, 0) + 1
    lived = sum(problem.lived)
    total = 0.0
    for p in range(problem.n):
        mine = problem.window[p]
        # Loosened for speed (still an upper bound): anyone else's window, compatible or not.
        best_overlap = max(
            ((w & mine).bit_count() for w, held in holders.items() if held > (w == mine)),
            default=0,
        )
        total += weights.working_hours * best_overlap / WORKING_SLOTS
        if problem.same_band:
            total += weights.same_band
        if problem.themes[p]:
            total += weights.shared_theme
        if problem.level[p] >= 0:
            total += weights.role_level
        if problem.lived[p] and lived >= 2:
            total += weights.lived_experience
    return total
