from __future__ import annotations

from service_app import Service
from service_client import error_of

from openai_connector import catalogue


def test_every_operation_is_listed(service: Service) -> None:
    listed = service.admin.get("/api/operations").json()
    assert [o["id"] for o in listed] == [e.id for e in catalogue.entries()]
    chat = next(o for o in listed if o["id"] == "chat.create")
    assert chat["method"] == "POST" and chat["openai_path"] == "/chat/completions"


def test_keyword_search_ranks_the_best_match_first(service: Service) -> None:
    found = service.admin.get("/api/operations", params={"q": "transcribe audio"}).json()
    assert found[0]["id"] == "audio.transcribe"
    assert [o["id"] for o in found] == [m.entry.id for m in catalogue.search("transcribe audio")]
    assert service.admin.get("/api/operations", params={"q": "zzzzqqq"}).json() == []


def test_one_operation_has_its_schema_and_an_example(service: Service) -> None:
    shown = service.admin.get("/api/operations/embeddings.create").json()
    assert shown["input_schema"]["type"] == "object"
    assert "input" in shown["input_schema"]["properties"]
    assert shown["example_input"]["model"]
    assert shown["example_validates"] is True


def test_an_unknown_operation_is_404(service: Service) -> None:
    response = service.admin.get("/api/operations/chat.nope")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "unknown_operation" and error["field"] == "operation"
