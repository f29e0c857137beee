"""Reference data a deployment configures: districts and service themes."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Reference:
    """What districts and themes share: a code, a name in each language, a place in lists."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


class District(Reference, Base):
    __tablename__ = "districts"


class Theme(Reference, Base):
    __tablename__ = "themes"

    active: Mapped[bool] = mapped_column(Boolean, default=True)
