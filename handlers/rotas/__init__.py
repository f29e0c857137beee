"""Duty rotas (长期招募, 义工轮值): coordinators make an activity recurring and read its rota
(/rota); volunteers take its standing slot, skip a date or leave (/slots). The dates themselves
are ordinary shifts, made by the scheduler (`models.rotas.generation`)."""

from handlers.rotas import rota_view, rule_flow, standing_slots
from handlers.router import Router

router = Router.including(rule_flow, rota_view, standing_slots)

__all__ = ["router"]
