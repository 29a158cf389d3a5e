import pytest

from eco2.domain.categories import WasteCategory
from eco2.infrastructure.knowledge.loader import load_knowledge_base
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever


@pytest.fixture
def retriever(small_kb_dir):
    return KnowledgeBaseRetriever(load_knowledge_base([small_kb_dir]))


def test_exact_alias_with_particles_and_spacing(retriever):
    result = retriever.search("물병은 어떻게 버려요?")
    assert result.best.item.name == "생수병"
    assert "별칭" in result.best.reason
    assert retriever.search("치킨뼈는?").best.item.name == "치킨 뼈"


def test_item_beats_category_named_in_same_question(retriever):
    result = retriever.search("치킨 뼈는 음식물 쓰레기야?")
    assert result.best.item.name == "치킨 뼈"
    assert result.category is WasteCategory.GENERAL


def test_longer_name_beats_contained_name(retriever):
    result = retriever.search("깨진 유리컵 버리는 법")
    assert result.best.item.name == "깨진 유리컵"
    assert result.category is WasteCategory.NONCOMBUSTIBLE


def test_part_of_item_in_same_question(retriever):
    result = retriever.search("생수병 라벨은?")
    assert result.part is not None and result.part.name == "라벨"
    assert result.category is WasteCategory.VINYL


def test_follow_up_part_uses_focus_item(retriever):
    result = retriever.search("뚜껑은요?", focus_item="생수병")
    assert result.best.item.name == "생수병"
    assert result.part.name == "뚜껑"
    assert result.category is WasteCategory.CLEAR_PET


def test_new_item_wins_over_focus(retriever):
    assert retriever.search("치킨 뼈는?", focus_item="생수병").best.item.name == "치킨 뼈"


def test_condition_changes_category(retriever):
    result = retriever.search("기름 묻은 피자 박스")
    assert result.best.item.name == "피자 상자"
    assert result.condition is not None
    assert result.category is WasteCategory.GENERAL
    assert retriever.search("피자 박스").category is WasteCategory.PAPER


def test_typo_tolerance_at_jamo_level(retriever):
    result = retriever.search("피자 밧스 버려요")
    assert result.found
    assert result.best.item.name == "피자 상자"
    assert "오타" in result.best.reason


def test_english_alias(retriever):
    assert retriever.search("How do I throw away a pizza box?").best.item.name == "피자 상자"


@pytest.mark.parametrize("junk", ["?!?!...", "🙂🙂🙂", "ㅋ" * 2000, "가" * 2000, "", "   "])
def test_junk_is_not_found(retriever, junk):
    result = retriever.search(junk)
    assert not result.found


def test_unknown_item_offers_suggestions(retriever):
    result = retriever.search("생수통 버리기")
    if result.found:  # close enough to be a typo of 생수병 is acceptable, never a different item
        assert result.best.item.name == "생수병"
    else:
        assert "생수병" in result.suggestions


def test_category_question_matches_category(retriever):
    result = retriever.search("음식물 쓰레기 어떻게 버려?")
    assert result.best.item is None
    assert result.category is WasteCategory.FOOD
