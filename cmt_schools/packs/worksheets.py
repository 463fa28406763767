"""How a worksheet is set so that it fits its own A4 page.

Worksheets are sized in millimetres: the page area is 247 mm tall (297 mm less the margins
and the rule under the header); the layout aims a little short of it. The figures follow
print.css and estimate a sheet's height a little generously (checked against WeasyPrint's
layout of the shipped sheets). "compact" is the tighter setting for a crowded sheet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..curriculum.schema import Worksheet, WorksheetBlock

PAGE_AREA_MM = 247
_SHEET_SPACE_MM = 240
# A sorting table gives its item column this share of the width; the rest is tick columns.
SORT_ITEM_SHARE = 0.46


@dataclass(frozen=True)
class _SheetMetrics:
    text_mm: float  # one line of the sheet's text
    chars: int  # characters in a full-width line
    title_mm: float
    rule_mm: float  # one writing line
    tick_mm: float  # one tick-list row of one line
    sort_row_mm: float  # one sorting-table row of one line (tick boxes and padding)


_METRICS = {
    ("ks2", False): _SheetMetrics(6.5, 62, 14.5, 11, 11, 10.5),
    ("ks2", True): _SheetMetrics(6.0, 68, 13, 9.5, 9.2, 9.0),
    ("other", False): _SheetMetrics(5.5, 76, 12.5, 9, 8.7, 9.0),
    ("other", True): _SheetMetrics(5.0, 84, 11.5, 8, 7.4, 8.0),
}


def _text_lines(text: str, chars: int) -> int:
    return max(1, math.ceil(len(text) / max(chars, 1)))


def _sort_table_height(block: WorksheetBlock, m: _SheetMetrics) -> float:
    """A row per item with a tick box in each column, under a row of column headings."""
    column_chars = int(m.chars * (1 - SORT_ITEM_SHARE) / max(len(block.columns), 1)) - 2
    heading = max(_text_lines(column, column_chars) for column in block.columns)
    height = 4 + heading * m.text_mm
    item_chars = int(m.chars * SORT_ITEM_SHARE) - 4  # less the item's number
    for item in block.items:
        height += m.sort_row_mm + (_text_lines(item, item_chars) - 1) * m.text_mm
    return height


def _block_height(block: WorksheetBlock, m: _SheetMetrics) -> float:
    """A block's height in millimetres, but for its drawing box."""
    height = 6 + _text_lines(block.prompt, m.chars) * m.text_mm + 2
    if block.kind == "lines":
        height += (block.lines or 1) * m.rule_mm
    elif block.kind == "tick_list":
        for item in block.items:
            height += m.tick_mm + (_text_lines(item, m.chars - 8) - 1) * m.text_mm
    elif block.kind == "sort_table":
        height += _sort_table_height(block, m)
    elif block.kind == "frame":
        # Each starter on a writing line of its own, then its blank lines to go on with.
        for starter in block.starters:
            starter_lines = _text_lines(starter, m.chars - 10)
            height += starter_lines * m.rule_mm + (block.lines or 1) * m.rule_mm
    return height


def _sheet_height(worksheet: Worksheet, m: _SheetMetrics) -> float:
    """Everything on the sheet but its drawing boxes, in millimetres."""
    height = 7 + m.title_mm + 3 + _text_lines(worksheet.instructions, m.chars) * m.text_mm + 5
    return height + sum(_block_height(block, m) for block in worksheet.blocks)


@dataclass(frozen=True)
class SheetLayout:
    compact: bool
    draw_mm: int  # the height of each drawing box (a multiple of 10, 40-140)


def sheet_layout(worksheet: Worksheet, band: str) -> SheetLayout:
    """How to set a worksheet so it fills one page: drawing boxes take the room left over,
    and a sheet that would not fit is set compact."""
    boxes = sum(1 for block in worksheet.blocks if block.kind == "draw_box")
    group = "ks2" if band == "ks2" else "other"
    for compact in (False, True):
        free = _SHEET_SPACE_MM - _sheet_height(worksheet, _METRICS[group, compact])
        if boxes:
            each = min(140, free / boxes) // 10 * 10
            if each >= 40 or compact:
                return SheetLayout(compact, int(max(40, each)))
        elif free >= 0:
            return SheetLayout(compact, 0)
    return SheetLayout(True, 0)


def estimated_height(worksheet: Worksheet, band: str) -> float:
    """The sheet's estimated height as sheet_layout sets it, drawing boxes included."""
    layout = sheet_layout(worksheet, band)
    group = "ks2" if band == "ks2" else "other"
    boxes = sum(1 for block in worksheet.blocks if block.kind == "draw_box")
    return _sheet_height(worksheet, _METRICS[group, layout.compact]) + boxes * layout.draw_mm
