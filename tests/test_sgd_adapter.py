"""SGD services read as ticket templates through the same TicketTemplate model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.tickets.templates import TicketTemplate
from errors import ConfigError
from evals.sgd.adapter import categorical_value, input_slots, service_template
from evals.sgd.data import Service, load_split
from tests.support.sgd import SERVICE, SGD_DEV_DIR, SGD_DIR
from tests.support.shared import require_shared


def _service() -> Service:
    return Service.model_validate(SERVICE)


def test_sgd_adapter_maps_slot_kinds_and_descriptions_to_template_types() -> None:
    template = service_template(_service())
    types = {s.name: s.type for s in template.slots}
    assert types == {
        "cafe_name": "name",
        "city": "name",
        "party_size": "int",
        "has_wifi": "bool",
        "seating": "enum",
        "visit_date": "date",
        "visit_time": "time",
        "stay_minutes": "int",
    }
    party = template.slot("party_size")
    assert (party.min, party.max) == (1, 4)
    assert [v.value for v in template.slot("seating").values or []] == ["Indoors", "Terrace"]


def test_sgd_adapter_keeps_descriptions_as_slot_queries() -> None:
    template = service_template(_service())
    assert template.slot("city").description == "City where the cafe is"
    assert template.description == SERVICE["description"]
    assert template.examples == [i["description"] for i in SERVICE["intents"]]


def test_sgd_adapter_required_means_required_by_some_intent() -> None:
    template = service_template(_service())
    assert {s.name for s in template.required()} == {"cafe_name", "city"}


def test_sgd_adapter_leaves_out_slots_no_intent_takes() -> None:
    assert "phone" not in {s.name for s in input_slots(_service())}
    assert not service_template(_service()).has_slot("phone")


def test_sgd_adapter_template_round_trips_as_a_yaml_template_would() -> None:
    template = service_template(_service())
    again = TicketTemplate.model_validate(json.loads(template.model_dump_json()))
    assert again == template


def test_sgd_adapter_a_service_that_cannot_map_is_a_config_error() -> None:
    raw = json.loads(json.dumps(SERVICE))
    raw["service_name"] = "9 bad name"
    with pytest.raises(ConfigError, match="9 bad name"):
        service_template(Service.model_validate(raw))


def test_sgd_adapter_writes_values_the_way_sgd_does() -> None:
    service = _service()
    wifi, party, seating = (service.slot(n) for n in ("has_wifi", "party_size", "seating"))
    assert wifi is not None and party is not None and seating is not None
    assert categorical_value(wifi, True) == "True"
    assert categorical_value(wifi, False) == "False"
    assert categorical_value(party, 3) == "3"
    assert categorical_value(seating, "terrace") == "Terrace"


@pytest.mark.parametrize("folder", [SGD_DIR, SGD_DEV_DIR], ids=["test", "dev"])
def test_sgd_adapter_maps_every_published_service(folder: Path) -> None:
    split = load_split(require_shared(folder), limit=1)
    for service in split.services.values():
        template = service_template(service)
        assert {s.name for s in template.slots} == {s.name for s in input_slots(service)}
