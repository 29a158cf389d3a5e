import pytest

from eco2.application.services.intent_classifier import IntentClassifier, parse_llm_intent
from eco2.domain.intents import Intent
from eco2.infrastructure.knowledge.loader import load_knowledge_base
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever


@pytest.fixture
def classifier(small_kb_dir):
    return IntentClassifier(KnowledgeBaseRetriever(load_knowledge_base([small_kb_dir])))


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("생수병 어떻게 버려?", Intent.WASTE),
        ("치킨 뼈는 음식물 쓰레기야?", Intent.WASTE),
        ("근처 재활용센터 알려줘", Intent.LOCATION),
        ("폐건전지 수거함 어디 있어?", Intent.LOCATION),
        ("플라스틱 캐릭터 누구야?", Intent.CHARACTER),
        ("안녕하세요", Intent.GENERAL),
        ("고마워!", Intent.GENERAL),
        ("hello", Intent.GENERAL),
        ("thank you", Intent.GENERAL),
        ("넌 누구야?", Intent.GENERAL),
        ("분리수거는 왜 해야 해?", Intent.GENERAL),
        ("How do I throw away a pizza box?", Intent.WASTE),
    ],
)
async def test_rules(classifier, message, intent):
    chat_intent, _ = await classifier.classify(message)
    assert chat_intent.intent is intent
    assert chat_intent.source == "rules"


async def test_follow_up_is_waste_when_conversation_has_an_item(classifier):
    chat_intent, retrieval = await classifier.classify("뚜껑은요?", focus_item="생수병")
    assert chat_intent.intent is Intent.WASTE
    assert retrieval.part.name == "뚜껑"


@pytest.mark.parametrize("raw", ["not json", "{}", '{"intent": "weather"}', "[1]", '{"intent": null}'])
def test_bad_llm_intent_is_rejected(raw):
    assert parse_llm_intent(raw) is None


def test_good_llm_intent_is_accepted():
    parsed = parse_llm_intent('{"intent": "location", "confidence": 0.93}')
    assert parsed is not None and parsed.intent is Intent.LOCATION and parsed.source == "llm"
