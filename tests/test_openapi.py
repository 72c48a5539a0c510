"""The committed contract is the app's contract, with stable operation ids."""

from pathlib import Path

from doan3cd.cli import OPENAPI_PATH, openapi_document
from doan3cd.main import create_app


def test_committed_openapi_matches_app() -> None:
    committed = Path(OPENAPI_PATH).read_text(encoding="utf-8")
    assert committed == openapi_document(), (
        "openapi/openapi.json is stale: run `doan3cd export-openapi` and commit it"
    )


def test_operation_ids_are_tag_action() -> None:
    schema = create_app().openapi()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            tag = operation["tags"][0]
            assert operation["operationId"].startswith(f"{tag}-"), (method, path)


def test_every_error_response_is_a_problem() -> None:
    schema = create_app().openapi()
    for item in schema["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"]


def test_documented_fields_are_the_serialised_ones() -> None:
    """A field read from another attribute name must still be documented under its JSON name."""
    from doan3cd.assessments.schemas import CriterionScoreRead

    schema = create_app().openapi()["components"]["schemas"]["CriterionScoreRead"]
    assert set(schema["required"]) == set(CriterionScoreRead.model_fields)
