"""`/journey <sub> args` → a typed command. A table of subcommands; anything unknown becomes `Invalid`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.text import from_slack


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class New:
    title: str  # empty: open the form
    template: str | None = None


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Dept:
    department: str  # empty: show the current one


@dataclass(frozen=True)
class Stages:
    raw: str


@dataclass(frozen=True)
class Export:
    format: str


@dataclass(frozen=True)
class Close:
    pass


@dataclass(frozen=True)
class Invalid:
    message: str


Command = Help | New | Status | Next | Dept | Stages | Export | Close | Invalid

EXPORT_FORMATS = ("json",)
_FLAG = re.compile(r"(?:^|\s)--([A-Za-z-]+)(?:[=\s]+(\S+))?")


def _new(args: str) -> Command:
    template = None
    for m in _FLAG.finditer(args):
        flag, value = m.group(1).lower(), m.group(2)
        if flag != "template":
            return Invalid(f"`/journey new` has no option `--{flag}`. Try `/journey new Checkout redesign --template buyer`.")
        if not value or value.startswith("--"):
            return Invalid("`--template` needs a name, e.g. `--template buyer`.")
        template = value
    title = _FLAG.sub(" ", args).strip()
    return New(title=title, template=template)


def _export(args: str) -> Command:
    fmt = (args.strip().split() or ["json"])[0].lower()
    if fmt not in EXPORT_FORMATS:
        return Invalid(f"I can export as {', '.join(f'`{f}`' for f in EXPORT_FORMATS)}, e.g. `/journey export json`.")
    return Export(format=fmt)


def _no_args(cmd: Command, name: str) -> Callable[[str], Command]:
    def parse(args: str) -> Command:
        return cmd if not args.strip() else Invalid(f"`/journey {name}` takes no arguments.")

    return parse


SUBCOMMANDS: dict[str, Callable[[str], Command]] = {
    "help": lambda args: Help(),
    "new": _new,
    "status": _no_args(Status(), "status"),
    "next": _no_args(Next(), "next"),
    "dept": lambda args: Dept(department=args.strip()),
    "department": lambda args: Dept(department=args.strip()),
    "stages": lambda args: Stages(raw=args),
    "export": _export,
    "close": _no_args(Close(), "close"),
}


def parse(text: str) -> Command:
    text = from_slack(text).strip()
    if not text:
        return Help()
    sub, _, args = text.partition(" ")
    parser = SUBCOMMANDS.get(sub.lower())
    if parser is None:
        shown = sub if len(sub) <= 30 else sub[:29] + "…"
        shown = shown.replace("`", "'").replace("<", "‹").replace(">", "›")
        return Invalid(f"I don't know `/journey {shown}`.")
    return parser(args)
