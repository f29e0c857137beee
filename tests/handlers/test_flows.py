"""Each multi-step conversation is declared once (`handlers.flows.Flow`): every step has a
question and a handler, every step can be reached, and a move the declaration does not list is
refused."""

from __future__ import annotations

from enum import StrEnum

import pytest

from handlers import root_router
from handlers.flows import Flow, UndeclaredMove
from handlers.router import ANY_FLOW


def _bot_flows() -> list[Flow]:
    """The bot's flows (this module declares `test_…` ones of its own below)."""
    return [flow for name, flow in Flow.declared.items() if not name.startswith("test_")]


def test_every_step_of_every_flow_has_a_question_and_a_handler() -> None:
    assert _bot_flows(), "no flow is declared"
    missing = []
    for flow in _bot_flows():
        for step in flow.steps:
            if step not in flow.askers:
                missing.append(f"{flow.name}.{step}: nothing asks it")
            if (flow.name, step) not in root_router.steps and (
                ANY_FLOW,
                step,
            ) not in root_router.steps:
                missing.append(f"{flow.name}.{step}: nothing handles a message there")
    assert missing == []


def test_every_step_can_be_reached_from_where_its_flow_starts() -> None:
    unreachable = []
    for flow in _bot_flows():
        seen, todo = set(flow.starts), list(flow.starts)
        while todo:
            for step in flow.moves.get(todo.pop(), ()):
                if step not in seen:
                    seen.add(step)
                    todo.append(step)
        unreachable += [f"{flow.name}.{step}" for step in flow.steps if step not in seen]
    assert unreachable == []


def test_every_step_handler_belongs_to_a_declared_flow() -> None:
    undeclared = [
        f"{flow}.{step}"
        for flow, step in root_router.steps
        if flow != ANY_FLOW and (flow not in Flow.declared or step not in Flow.declared[flow].steps)
    ]
    assert undeclared == []


class _Step(StrEnum):
    ONE = "one"
    TWO = "two"
    THREE = "three"


_FLOW = Flow(
    "test_flow",
    _Step,
    starts=(_Step.ONE,),
    moves={_Step.ONE: (_Step.TWO,), _Step.TWO: (_Step.THREE, _Step.ONE)},
)


def test_a_flow_allows_the_moves_it_declares_and_no_other() -> None:
    _FLOW.check_move(None, None, _Step.ONE)  # a start
    _FLOW.check_move("other_flow", "x", _Step.ONE)  # leaving another flow for a start
    _FLOW.check_move("test_flow", "one", _Step.TWO)
    _FLOW.check_move("test_flow", "two", _Step.TWO)  # staying put: asked again
    _FLOW.check_move("test_flow", "two", _Step.ONE)  # back
    refused = [
        (None, None, _Step.TWO),  # not a start
        ("other_flow", "x", _Step.THREE),  # not a start either
        ("test_flow", "one", _Step.THREE),  # skipping a step
        ("test_flow", "three", _Step.ONE),  # three leads nowhere
        ("test_flow", "one", "four"),  # no such step
    ]
    for flow, at, step in refused:
        with pytest.raises(UndeclaredMove):
            _FLOW.check_move(flow, at, step)


def test_a_declaration_naming_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown steps"):
        Flow("test_flow_bad", _Step, starts=("four",), moves={})
