from eco2.domain.korean_text import compact, content_words, josa, josa_ro, normalize, strip_particle, to_jamo


def test_normalize_removes_punctuation_and_emoji():
    assert normalize("페트병!!! 어떻게 버려요?? 🙏") == "페트병 어떻게 버려요"


def test_compact_ignores_spacing():
    assert compact("스티로폼 박스") == compact("스티로폼박스")


def test_strip_particles():
    assert strip_particle("샴푸통은") == "샴푸통"
    assert strip_particle("뚜껑은요") == "뚜껑"
    assert strip_particle("유리병에서") == "유리병"


def test_content_words_drop_question_words():
    assert content_words("치킨 뼈는 어떻게 버려요?") == ["치킨", "뼈"]


def test_jamo_makes_one_typo_one_edit():
    assert to_jamo("병") == "ㅂㅕㅇ"
    assert len(to_jamo("페트벙")) == len(to_jamo("페트병"))


def test_particles_follow_final_consonant():
    assert josa("생수병", "은", "는") == "생수병은"
    assert josa("종이", "은", "는") == "종이는"
    assert josa_ro("종이") == "종이로"
    assert josa_ro("유리병") == "유리병으로"
    assert josa_ro("비닐") == "비닐로"
