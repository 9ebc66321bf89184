"""A resource's lineage as an inline SVG, laid out here so the page needs no script to draw it.

    svg = lineage_svg(center, upstream, downstream, href)    # markupsafe.Markup

Three columns: the resources it is made from | the resource | the resources made from it, one
box per resource (code and title, a link to its page), an arrow from each upstream box to the
resource and from the resource to each downstream box. Text is escaped and masked like every
other value the site prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from govlake.pii import mask_text

BOX_W, BOX_H, GAP, COL_GAP, PAD = 230, 44, 12, 70, 10
TITLE_CHARS = 14  # a longer title is cut with … (its full text is the box's tooltip)


@dataclass(frozen=True)
class Node:
    code: str
    title: str


def _box(node: Node, x: int, y: int, role: str, href: str | None) -> str:
    title = node.title if len(node.title) <= TITLE_CHARS else node.title[: TITLE_CHARS - 1] + "…"
    code, full, short = (escape(mask_text(t)) for t in (node.code, node.title, title))
    box = (
        f'<g class="node {role}" data-code="{code}"><title>{code} {full}</title>'
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
        f'<text x="{x + 10}" y="{y + 18}" class="code">{code}</text>'
        f'<text x="{x + 10}" y="{y + 36}">{short}</text></g>'
    )
    return f'<a href="{escape(href)}">{box}</a>' if href else box


def _ys(n: int, height: int) -> list[int]:
    """Top of each of n boxes, the column centred in the drawing's height."""
    used = n * BOX_H + max(n - 1, 0) * GAP
    top = PAD + (height - 2 * PAD - used) // 2
    return [top + i * (BOX_H + GAP) for i in range(n)]


def lineage_svg(center: Node, upstream: list[Node], downstream: list[Node], href: Callable[[str], str]) -> Markup:
    rows = max(len(upstream), len(downstream), 1)
    height = 2 * PAD + rows * BOX_H + (rows - 1) * GAP
    width = 2 * PAD + 3 * BOX_W + 2 * COL_GAP
    xs = (PAD, PAD + BOX_W + COL_GAP, PAD + 2 * (BOX_W + COL_GAP))
    (cy,) = _ys(1, height)
    parts = [
        f'<svg class="lineage" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="血缘 lineage">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
    ]
    for y in _ys(len(upstream), height):
        parts.append(
            f'<path class="edge" d="M {xs[0] + BOX_W} {y + BOX_H // 2} C {xs[1] - COL_GAP // 2} {y + BOX_H // 2}, '
            f'{xs[0] + BOX_W + COL_GAP // 2} {cy + BOX_H // 2}, {xs[1]} {cy + BOX_H // 2}" marker-end="url(#arrow)"/>'
        )
    for y in _ys(len(downstream), height):
        parts.append(
            f'<path class="edge" d="M {xs[1] + BOX_W} {cy + BOX_H // 2} C {xs[2] - COL_GAP // 2} {cy + BOX_H // 2}, '
            f'{xs[1] + BOX_W + COL_GAP // 2} {y + BOX_H // 2}, {xs[2]} {y + BOX_H // 2}" marker-end="url(#arrow)"/>'
        )
    for node, y in zip(upstream, _ys(len(upstream), height)):
        parts.append(_box(node, xs[0], y, "upstream", href(node.code)))
    parts.append(_box(center, xs[1], cy, "self", None))
    for node, y in zip(downstream, _ys(len(downstream), height)):
        parts.append(_box(node, xs[2], y, "downstream", href(node.code)))
    parts.append("</svg>")
    return Markup("".join(parts))
