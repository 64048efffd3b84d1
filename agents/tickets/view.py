"""How ticket values read to a person: dates, durations, the confirmation summary, per language."""

from __future__ import annotations

from datetime import datetime

from agents.tickets.durations import describe_duration, parse_duration
from agents.tickets.templates import SlotSpec, TicketTemplate
from agents.tickets.tracking import show
from state.models import Language, SlotValue, TicketState

_WEEKDAYS_ZH = "一二三四五六日"
_UNITS_ZH = ((86400, "天"), (3600, "小时"), (60, "分钟"), (1, "秒"))


def show_value(spec: SlotSpec, value: SlotValue, language: Language = "en") -> str:
    """A slot value as shown to a user; names and enum values read the same in every language."""
    if spec.type == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return show(moment) if language == "en" else _show_moment_zh(moment)
    if spec.type == "duration" and isinstance(value, str):
        seconds = parse_duration(value)
        if seconds is None:
            return value
        return describe_duration(seconds) if language == "en" else _show_duration_zh(seconds)
    if isinstance(value, bool):
        if language == "zh":
            return "是" if value else "否"
        return "yes" if value else "no"
    return str(value)


def summary(template: TicketTemplate, state: TicketState, language: Language = "en") -> str:
    """One line per slot: label, value (or "-"), with unknown names flagged."""
    lines = []
    for spec in template.slots:
        belief = state.slots.get(spec.name)
        if belief is None:
            shown = "-" if spec.required else "- (optional)" if language == "en" else "-（选填）"
        else:
            shown = show_value(spec, belief.value, language)
            if not belief.verified and belief.suggestions:
                if language == "zh":
                    shown += f"（未找到；是不是 {' 或 '.join(belief.suggestions)}？）"
                else:
                    shown += f" (not found; did you mean {' or '.join(belief.suggestions)}?)"
        if language == "zh":
            lines.append(f"  {spec.label_in(language)}：{shown}")
        else:
            lines.append(f"  {spec.label}: {shown}")
    return "\n".join(lines)


def missing(template: TicketTemplate, state: TicketState) -> list[SlotSpec]:
    """Required slots still empty, in template order."""
    return [s for s in template.required() if state.value(s.name) is None]


def _show_moment_zh(moment: datetime) -> str:
    """ "2026-11-25 周三 10:30 +0800": the date first, as Chinese readers write it."""
    zone = moment.strftime("%z").replace("+0000", "UTC")
    weekday = _WEEKDAYS_ZH[moment.weekday()]
    return f"{moment:%Y-%m-%d} 周{weekday} {moment:%H:%M} {zone}".rstrip()


def _show_duration_zh(seconds: int) -> str:
    """5400 -> "1 小时 30 分钟"."""
    parts = []
    for size, unit in _UNITS_ZH:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts) or "0 秒"
