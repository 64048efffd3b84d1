"""The ticket policy: ask, re-ask with a reason, confirm, submit, edit, cancel, start over."""

from __future__ import annotations

import pytest

from agents.tickets.chooser import TemplateChooser
from agents.tickets.policy import TicketAgent, TicketReply
from agents.tickets.templates import load_templates
from agents.tickets.tracking.tracker import SlotTracker
from errors import InputError
from knowledge.encoder import Encoder
from state.models import Session, Turn
from tests.support.clock import NOW
from tests.support.keys import shared_keys


@pytest.fixture(scope="module")
def agent(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> TicketAgent:
    templates = load_templates()
    keys = shared_keys(encoder, tmp_path_factory)
    return TicketAgent(
        SlotTracker(encoder, keys), templates, TemplateChooser(encoder, keys, templates)
    )


class Chat:
    """Plays turns against the agent, keeping the session as the desk would."""

    def __init__(self, agent: TicketAgent) -> None:
        self.agent = agent
        self.session = Session(id="t", created_at=NOW, updated_at=NOW)

    def say(self, text: str, template: str | None = None) -> TicketReply:
        reply = self.agent.handle(self.session, text, now=NOW, template=template)
        self.session.history += [
            Turn(role="user", text=text, at=NOW),
            Turn(role="bot", text=reply.text, at=NOW, agent="ticket"),
        ]
        self.session.ticket = reply.state
        return reply


def test_workflow_agent_asks_the_next_missing_slot(agent: TicketAgent) -> None:
    reply = Chat(agent).say(
        "open an incident for payment-api since 09:40, sev1", template="incident"
    )
    assert reply.event == "asked" and reply.state is not None and reply.state.pending == "symptom"
    assert reply.text.endswith("What is going wrong -- what do you see?")


def test_workflow_agent_re_asks_with_the_reason(agent: TicketAgent) -> None:
    chat = Chat(agent)
    chat.say("I need access", template="access_request")
    reply = chat.say("bob at example")
    assert "not" in reply.text and "email" in reply.text
    assert reply.state is not None and reply.state.pending == "requester"


def test_workflow_agent_confirms_then_yes_submits(agent: TicketAgent) -> None:
    chat = Chat(agent)
    chat.say("open an incident for payment-api since 09:40, sev1", template="incident")
    confirm = chat.say("customers can't pay")
    assert confirm.event == "confirming" and "Submit it?" in confirm.text
    done = chat.say("yes")
    assert done.event == "submitted" and done.state is None and done.submitted is not None
    assert done.submitted.values == {
        "service": "payment-api",
        "severity": "P1",
        "symptom": "customers can't pay",
        "started_at": "2026-11-25T09:40:00+00:00",
    }
    assert done.submitted.session_id == "t" and done.submitted.id in done.text


def test_workflow_agent_change_x_to_y_edits_a_slot(agent: TicketAgent) -> None:
    chat = Chat(agent)
    chat.say("payment-api is down since 09:40, sev1", template="incident")
    chat.say("customers can't pay")
    reply = chat.say("change severity to P3")
    assert reply.event == "edited" and reply.state is not None
    assert reply.state.value("severity") == "P3" and reply.state.phase == "confirming"


def test_workflow_agent_bad_edit_keeps_the_value_and_says_why(agent: TicketAgent) -> None:
    chat = Chat(agent)
    chat.say("payment-api is down since 09:40, sev1", template="incident")
    reply = chat.say("change started at to next week")
    assert (
        reply.state is not None and reply.state.value("started_at") == "2026-11-25T09:40:00+00:00"
    )
    assert "unchanged" in reply.text


def test_workflow_agent_cancel_discards(agent: TicketAgent) -> None:
    chat = Chat(agent)
    chat.say("payment-api is down", template="incident")
    reply = chat.say("cancel")
    assert reply.event == "cancelled" and reply.state is None and reply.submitted is None


def test_workflow_agent_start_over_empties_the_ticket(agent: TicketAgent) -> None:
    chat = Chat(agent)
    chat.say("payment-api is down, sev1", template="incident")
    reply = chat.say("start over")
    assert reply.event == "restarted" and reply.state is not None and reply.state.slots == {}
    assert reply.state.template == "incident" and reply.state.pending == "service"


def test_workflow_agent_first_message_picks_the_template(agent: TicketAgent) -> None:
    assert Chat(agent).say("I need to open an incident").state.template == "incident"  # type: ignore[union-attr]
    change = Chat(agent).say("schedule a deploy of checkout to prod tomorrow at 2am")
    assert change.state is not None and change.state.template == "change_request"
    assert change.state.value("change_type") == "deploy"
    access = Chat(agent).say("I need read-only access to the billing database")
    assert access.state is not None and access.state.template == "access_request"


def test_workflow_agent_unrelated_message_opens_nothing(agent: TicketAgent) -> None:
    reply = Chat(agent).say("what a lovely sunny afternoon")
    assert reply.event == "no_template" and reply.state is None and "incident" in reply.text


def test_workflow_agent_unknown_template_is_an_input_error(agent: TicketAgent) -> None:
    with pytest.raises(InputError, match="no ticket template named 'holiday'"):
        Chat(agent).say("hi", template="holiday")


def test_workflow_agent_start_with_known_values_asks_the_rest(agent: TicketAgent) -> None:
    reply = agent.start("incident", values={"symptom": "disk full on web-01"})
    assert reply.state is not None and reply.state.value("symptom") == "disk full on web-01"
    assert (
        reply.state.pending == "service"
        and agent.prompt(reply.state) == "Which service is affected?"
    )
