"""Volunteer stations (志愿服务驿站): what is near me (/nearby, or a location shared outside any
conversation), a station's card, and running stations (/stations: add or change one, import a
file)."""

from handlers.router import Router
from handlers.stations import import_stations, listing, manage, nearby

router = Router.including(nearby, listing, manage, import_stations)

__all__ = ["router"]
