"""The records export's files: the column layout other systems import by (docs/exports.md),
written by the bot's one spreadsheet writer (`models.spreadsheet`), which takes rows as they come
and keeps memory flat, and keeps free text that a spreadsheet would run as a formula text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from models.spreadsheet import Cell, FileFormat, Sheet, open_sheet

__all__ = ["COLUMNS", "Cell", "FileFormat", "Table"]


Table = StrEnum("Table", "VOLUNTEERS RECORDS")


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    # Typed by people: the cells a formula could hide in (names may begin with "-"; phones and
    # ID numbers are checked when registered).
    free_text: bool = False

    @property
    def header(self) -> str:
        return f"{self.zh}/{self.en}"


# The layout is an interface to other systems: add columns at the end, never reorder or rename.
VOLUNTEER_COLUMNS = (
    Column("志愿者编号", "volunteer no."),
    Column("姓名", "name", free_text=True),
    Column("证件类型", "ID type"),
    Column("证件号码", "ID number"),
    Column("出生日期", "birth date"),
    Column("手机号", "phone"),
    Column("所在区域", "district"),
    Column("服务类别", "themes"),
    Column("注册时间", "registered at"),
    Column("资质", "qualifications", free_text=True),
)
RECORD_COLUMNS = (
    Column("记录编号", "record no."),
    Column("志愿者编号", "volunteer no."),
    Column("姓名", "name", free_text=True),
    Column("证件号码", "ID number"),
    Column("队伍", "team", free_text=True),
    Column("活动编号", "activity no."),
    Column("活动名称", "activity", free_text=True),
    Column("服务类别", "theme"),
    Column("服务地点", "address", free_text=True),
    Column("服务日期", "date"),
    Column("开始时间", "start"),
    Column("结束时间", "end"),
    Column("签到时间", "check-in"),
    Column("签退时间", "check-out"),
    Column("服务时长", "hours"),
    Column("荣誉时长", "honour hours"),
    Column("服务分钟", "minutes"),
    Column("荣誉分钟", "honour minutes"),
    Column("确认时间", "confirmed at"),
    Column("备注", "note", free_text=True),
)
COLUMNS = {Table.VOLUNTEERS: VOLUNTEER_COLUMNS, Table.RECORDS: RECORD_COLUMNS}
SHEET_TITLES = {Table.VOLUNTEERS: "志愿者", Table.RECORDS: "服务记录"}


def _open(file_format: FileFormat, out: BinaryIO, table: Table) -> Sheet:
    free_text = frozenset(i for i, c in enumerate(COLUMNS[table]) if c.free_text)
    return open_sheet(
        file_format,
        out,
        title=SHEET_TITLES[table],
        columns=len(COLUMNS[table]),
        free_text=free_text,
    )
