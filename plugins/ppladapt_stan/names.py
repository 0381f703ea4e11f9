"""Identifiers of a generated Stan program: the model's names, renamed where they clash
with Stan, and the names the generator adds (sizes, loop indices, local variables).

Every identifier goes through one `Namer`, so nothing the generator adds can collide
with a user's name. A site or data name that is a Stan keyword or the name of a Stan
function gets a trailing underscore (``e`` -> ``e_``, ``lower`` -> ``lower_``); the
program's header lists such renamings and the runners map values back, so results use
the model's own names.
"""

from __future__ import annotations

from typing import Iterable

from ppladapt_stan.reserved import RESERVED

LOOP_INDICES = ("i", "j", "k", "l", "m", "p", "q", "r")


class Namer:
    """Hands out unique Stan identifiers."""

    def __init__(self, user_names: Iterable[str]):
        self.user_names = list(dict.fromkeys(user_names))
        self.taken: set[str] = set(RESERVED)
        self.taken.update(n for n in self.user_names if n not in RESERVED)
        self.renamed: dict[str, str] = {}
        self.ident: dict[str, str] = {}
        for name in self.user_names:
            if name in RESERVED:
                self.ident[name] = self.fresh(f"{name}_")
                self.renamed[name] = self.ident[name]
            else:
                self.ident[name] = name

    def fresh(self, wanted: str) -> str:
        """``wanted``, or ``wanted_1``, ``wanted_2``... if taken; the result is taken."""
        base = wanted.rstrip("_") + "_" if wanted.endswith("_") else wanted
        candidate, k = wanted, 1
        while candidate in self.taken or candidate.endswith("__"):
            candidate = f"{base.rstrip('_')}_{k}"
            k += 1
        self.taken.add(candidate)
        return candidate

    def __getitem__(self, name: str) -> str:
        return self.ident[name]

    def loop_indices(self, count: int) -> list[str]:
        """``count`` loop index names (``i``, ``j``, ``k``... unless a model name is one)."""
        out = []
        for wanted in LOOP_INDICES:
            if len(out) == count:
                break
            if wanted not in self.taken:
                out.append(wanted)
        while len(out) < count:
            out.append(self.fresh(f"i{len(out) + 1}"))
        for name in out:
            self.taken.add(name)
        return out
