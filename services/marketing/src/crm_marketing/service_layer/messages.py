"""One recipient's message: whether it may go, and what it says, with its tracked links."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from crm_marketing.adapters.email_channel import OutgoingMessage
from crm_marketing.domain.content import LINK, personalise, recipient_values, with_tracked_links
from crm_marketing.domain.links import LinkToken, sign
from crm_marketing.settings import MarketingSettings


def suppression_reason(recipient: Any) -> str | None:
    """Why the read model forbids this send now, or None; the contacts service is asked after this."""
    if recipient.campaign_status != "running":
        return "cancelled"
    if recipient.email is None or recipient.merged_into is not None:
        return "no_address"  # erased, merged away, or no email any more
    if recipient.unsubscribed:
        return "unsubscribed"
    if recipient.hard_bounced:
        return "bounced"
    if not recipient.email_consent:
        return "no_consent"
    return None


def compose(recipient: Any, settings: MarketingSettings) -> OutgoingMessage:
    variant = next(v for v in recipient.variants if v["name"] == recipient.variant)
    values = recipient_values(recipient.first_name, recipient.last_name, recipient.email)
    base = settings.public_url

    def link(kind: str, index: int = 0) -> str:
        token = sign(LinkToken(kind, recipient.id, index), settings.link_secret)
        return f"{base}/t/{kind}/{token}" if kind != "u" else f"{base}/u/{token}"

    # Links are found in the template, never in a contact's own data, so no name becomes a link.
    template = variant["body"]
    unsubscribe = link("u")
    text = personalise(with_tracked_links(template, lambda index: link("c", index)), values)
    return OutgoingMessage(
        to=recipient.email,
        subject=personalise(variant["subject"], values).replace("\n", " "),
        text=f"{text}\n\n--\nUnsubscribe: {unsubscribe}\n",
        html=_html(template, values, lambda index: link("c", index), link("o"), unsubscribe),
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def _html(
    template: str, values: dict[str, str | None], click: Callable[[int], str], pixel: str, unsubscribe: str
) -> str:
    parts, position = [], 0
    for index, match in enumerate(LINK.finditer(template)):
        parts.append(html.escape(personalise(template[position : match.start()], values)))
        parts.append(f'<a href="{html.escape(click(index))}">{html.escape(match.group(0))}</a>')
        position = match.end()
    parts.append(html.escape(personalise(template[position:], values)))
    body = "".join(parts).replace("\n", "<br>\n")
    return (
        f"<!DOCTYPE html><html><body><div>{body}</div>"
        f'<p><a href="{html.escape(unsubscribe)}">Unsubscribe</a></p>'
        f'<img src="{html.escape(pixel)}" width="1" height="1" alt=""></body></html>'
    )
