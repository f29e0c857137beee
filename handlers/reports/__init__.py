"""Reports: a coordinator's or admin's figures and charts (/stats) and the records export
(/export)."""

from handlers.reports import exports, stats
from handlers.router import Router

router = Router.including(stats, exports)

__all__ = ["router"]
