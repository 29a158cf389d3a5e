"""The committed stubs match the .proto files: regenerate into a temp dir and compare byte for byte.

Regenerate after editing a .proto with `make protos`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

grpc_tools = pytest.importorskip("grpc_tools.protoc", reason="grpcio-tools is a dev dependency")

SRC = Path(__file__).resolve().parents[3] / "src"
PROTOS = sorted((SRC / "eco2" / "infrastructure" / "integrations").glob("*/proto/*.proto"))


def test_both_contracts_are_present() -> None:
    assert [p.stem for p in PROTOS] == ["character", "location"]


@pytest.mark.parametrize("proto", PROTOS, ids=lambda p: p.stem)
def test_committed_stubs_match_a_fresh_generation(proto: Path, tmp_path: Path) -> None:
    code = grpc_tools.main([
        "grpc_tools.protoc", f"-I{SRC}", f"--python_out={tmp_path}", f"--grpc_python_out={tmp_path}",
        f"--pyi_out={tmp_path}", str(proto),
    ])
    assert code == 0
    generated = sorted(tmp_path.rglob(f"{proto.stem}_pb2*"))
    assert [p.name for p in generated] == [f"{proto.stem}_pb2.py", f"{proto.stem}_pb2.pyi", f"{proto.stem}_pb2_grpc.py"]
    for fresh in generated:
        committed = SRC / fresh.relative_to(tmp_path)
        assert committed.read_text() == fresh.read_text(), f"{committed} is stale; run `make protos`"


def test_stubs_import_inside_the_package() -> None:
    from eco2.infrastructure.integrations.character.proto import character_pb2_grpc
    from eco2.infrastructure.integrations.location.proto import location_pb2_grpc

    assert character_pb2_grpc.CharacterServiceStub and location_pb2_grpc.LocationServiceStub
