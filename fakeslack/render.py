"""Block Kit and Slack mrkdwn to HTML, for the sandbox page. Everything people or the bot wrote is escaped here;
the only markup in the output is the markup this module writes."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime

_TOKEN = re.compile(r"<([^<>]+)>")
_FORMATS = [
    (re.compile(r"```(.+?)```", re.S), r"<pre>\1</pre>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), r"<s>\1</s>"),
]
_QUOTE = re.compile(r"^&gt; ?(.*)$", re.M)


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _date(token: str) -> str:
    # <!date^1764000000^{date_short_pretty} at {time}|fallback>
    body, _, fallback = token.partition("|")
    parts = body.split("^")
    try:
        when = datetime.fromtimestamp(int(parts[1]), UTC)
    except (IndexError, ValueError):
        return html.escape(fallback)
    fmt = parts[2] if len(parts) > 2 else "{date_short}"
    out = (fmt.replace("{date_short_pretty}", when.strftime("%b %-d, %Y")).replace("{date_short}", when.strftime("%b %-d, %Y"))
           .replace("{date}", when.strftime("%B %-d, %Y")).replace("{time}", when.strftime("%H:%M UTC")))
    return html.escape(out)


def mrkdwn(text: str, *, name_of: Callable[[str], str] = lambda u: u, channel_of: Callable[[str], str] = lambda c: c) -> str:
    """Slack mrkdwn (with Slack's &lt; &gt; &amp; escapes and <…> tokens) to safe HTML."""
    pieces: list[str] = []
    last = 0
    for m in _TOKEN.finditer(text or ""):
        pieces.append(html.escape(_slack_unescape(text[last:m.start()]), quote=False))
        token = m.group(1)
        ref, _, label = token.partition("|")
        if ref.startswith("@"):
            pieces.append(f'<span class="mention">@{html.escape(label or name_of(ref[1:]))}</span>')
        elif ref.startswith("#"):
            pieces.append(f'<span class="mention">#{html.escape(label or channel_of(ref[1:]))}</span>')
        elif ref.startswith("!date^"):
            pieces.append(_date(token[1:]))
        elif ref.startswith("!"):
            pieces.append(f'<span class="mention">@{html.escape(ref[1:].split("^")[0])}</span>')
        elif ref.startswith(("http://", "https://", "mailto:")):
            pieces.append(f'<a href="{html.escape(ref)}" target="_blank" rel="noopener noreferrer">'
                          f"{html.escape(_slack_unescape(label or ref))}</a>")
        else:
            pieces.append(html.escape(_slack_unescape(m.group(0)), quote=False))
        last = m.end()
    pieces.append(html.escape(_slack_unescape((text or "")[last:]), quote=False))
    out = "".join(pieces)
    for rx, repl in _FORMATS:
        out = rx.sub(repl, out)
    out = _QUOTE.sub(r'<span class="quote">\1</span>', out)
    return out.replace("\n", "<br>")


def _text(obj: dict | None, **kw) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""), **kw)
    return html.escape(obj.get("text", ""))


def _plain(obj: dict | None) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _attrs(**values: str) -> str:
    return " ".join(f'{k.replace("_", "-")}="{html.escape(str(v))}"' for k, v in values.items() if v is not None)


def element(el: dict, *, block_id: str, users: dict[str, str], **kw) -> str:
    kind = el.get("type")
    data = _attrs(data_action_id=el.get("action_id", ""), data_block_id=block_id)
    if kind == "button":
        style = el.get("style", "")
        return (f'<button class="btn {html.escape(style)}" {data} data-value="{html.escape(el.get("value", ""))}">'
                f"{_text(el.get('text'))}</button>")
    if kind in ("static_select", "overflow"):
        options = "".join(f'<option value="{html.escape(o.get("value", ""))}">{_text(o.get("text"))}</option>'
                          for o in el.get("options", []))
        placeholder = _text(el.get("placeholder")) or ("⋯" if kind == "overflow" else "Choose…")
        return f'<select class="act" {data}><option value="">{placeholder}</option>{options}</select>'
    if kind == "users_select":
        options = "".join(f'<option value="{html.escape(u)}">{html.escape(n)}</option>' for u, n in users.items())
        return f'<select class="act" {data}><option value="">Choose a person…</option>{options}</select>'
    if kind == "image":
        return f'<img class="thumb" src="{html.escape(el.get("image_url", ""))}" alt="{html.escape(el.get("alt_text", ""))}">'
    return f'<span class="unknown">[{html.escape(str(kind))}]</span>'


def blocks(items: list[dict], *, users: dict[str, str], file_url: Callable[[str], str] = lambda f: f, **kw) -> str:
    out = []
    for b in items or []:
        kind, block_id = b.get("type"), b.get("block_id", "")
        if kind == "header":
            out.append(f'<div class="b-header">{_text(b.get("text"))}</div>')
        elif kind == "section":
            accessory = element(b["accessory"], block_id=block_id, users=users, **kw) if b.get("accessory") else ""
            fields = "".join(f'<div class="field">{_text(f, **kw)}</div>' for f in b.get("fields", []))
            out.append(f'<div class="b-section"><div class="b-text">{_text(b.get("text"), **kw)}'
                       f'{f"<div class=fields>{fields}</div>" if fields else ""}</div>{accessory}</div>')
        elif kind == "context":
            parts = "".join(_text(e, **kw) if e.get("type") in ("mrkdwn", "plain_text") else
                            element(e, block_id=block_id, users=users) for e in b.get("elements", []))
            out.append(f'<div class="b-context">{parts}</div>')
        elif kind == "divider":
            out.append("<hr>")
        elif kind == "image":
            src = b.get("image_url") or file_url((b.get("slack_file") or {}).get("id", ""))
            out.append(f'<img class="b-image" src="{html.escape(src)}" alt="{html.escape(b.get("alt_text", ""))}">')
        elif kind == "actions":
            out.append('<div class="b-actions">' + "".join(element(e, block_id=block_id, users=users, **kw)
                                                         for e in b.get("elements", [])) + "</div>")
        elif kind == "input":
            out.append(input_block(b, users=users))
        else:
            out.append(f'<div class="unknown">[{html.escape(str(kind))} block]</div>')
    return "".join(out)


def input_block(b: dict, *, users: dict[str, str], error: str | None = None) -> str:
    el, block_id = b.get("element", {}), b.get("block_id", "")
    name = f'{block_id}.{el.get("action_id", "")}'
    kind = el.get("type")
    common = _attrs(name=name, data_type=kind)
    if kind == "plain_text_input" and el.get("multiline"):
        field = f'<textarea {common}>{html.escape(el.get("initial_value", ""))}</textarea>'
    elif kind == "plain_text_input":
        field = f'<input type="text" {common} value="{html.escape(el.get("initial_value", ""))}">'
    elif kind == "number_input":
        field = f'<input type="number" {common} value="{html.escape(str(el.get("initial_value", "")))}">'
    elif kind == "datepicker":
        field = f'<input type="date" {common} value="{html.escape(el.get("initial_date", ""))}">'
    elif kind == "static_select":
        initial = (el.get("initial_option") or {}).get("value")

        def options(opts: list[dict]) -> str:
            return "".join(f'<option value="{html.escape(o["value"])}"{" selected" if o["value"] == initial else ""}>'
                           f'{_text(o.get("text"))}</option>' for o in opts)

        groups = "".join(f'<optgroup label="{html.escape(_plain(g.get("label")))}">{options(g.get("options", []))}'
                         "</optgroup>" for g in el.get("option_groups") or [])
        field = f'<select {common}><option value=""></option>{options(el.get("options") or [])}{groups}</select>'
    elif kind == "radio_buttons":
        initial = (el.get("initial_option") or {}).get("value")
        field = '<div class="radios">' + "".join(
            f'<label class="radio"><input type="radio" {common} value="{html.escape(o["value"])}"'
            f'{" checked" if o["value"] == initial else ""}> {_text(o.get("text"))}</label>'
            for o in el.get("options", [])) + "</div>"
    elif kind == "users_select":
        initial = el.get("initial_user")
        options = "".join(f'<option value="{html.escape(u)}"{" selected" if u == initial else ""}>{html.escape(n)}</option>'
                          for u, n in users.items())
        field = f'<select {common}><option value=""></option>{options}</select>'
    else:
        field = f'<span class="unknown">[{html.escape(str(kind))}]</span>'
    optional = ' <span class="optional">(optional)</span>' if b.get("optional") else ""
    hint = f'<div class="hint">{_text(b.get("hint"))}</div>' if b.get("hint") else ""
    err = f'<div class="error">{html.escape(error)}</div>' if error else ""
    tag = "div" if kind == "radio_buttons" else "label"  # a group of radio buttons has a label for each
    return (f'<{tag} class="b-input" data-block="{html.escape(block_id)}">{_text(b.get("label"))}{optional}'
            f"{field}{hint}{err}</{tag}>")
