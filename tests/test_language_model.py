"""The ``llm/1`` engine against a model served on loopback: the only fake is the model's reply, behind a real
HTTP server that speaks OpenAI's chat-completions API; sources, audit, verify, store and CLI are real."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
from conftest import read_jsonl, write_jsonl
from local_server import Reply, serve
from starlette.testclient import TestClient
from story_db import read_article_records

from newsweave import pipeline
from newsweave.errors import FetchError, ModelError
from newsweave.evaluation.synthesis import evaluate_synthesis
from newsweave.http import post_json
from newsweave.render.markdown import render_markdown
from newsweave.stages.language_model import LanguageModelEngine, OpenAIChatModel, prompt, read_draft
from newsweave.stages.synthesize import ExtractiveEngine, synthesize
from newsweave.store import SQLiteStore
from newsweave.web import create_app

RECORDS = [
    {"id": "r1", "story": "floods", "source": "Reuters", "title": "Floods in Valencia kill 95",
     "published": "2024-10-30T08:00:00Z",
     "text": "Floods in Valencia killed 95 people on Tuesday, officials said. Rivers burst their banks after a "
             "year's rain fell in eight hours. “We have never seen rain like this,” said regional leader Carlos "
             "Mazon."},
    {"id": "b1", "story": "floods", "source": "BBC", "title": "Spain mourns flood victims",
     "published": "2024-10-30T10:00:00Z",
     "text": "At least 95 people died in floods in eastern Spain, officials said on Wednesday. The storm dropped "
             "a year's rain in eight hours on the Valencia region. Spain declared three days of mourning."},
    {"id": "a1", "story": "floods", "source": "AP", "title": "Rescuers search the mud after Spain's floods",
     "published": "2024-10-30T11:00:00Z",
     "text": "Spain's government declared three days of national mourning after floods killed 95 people in "
             "Valencia. Rescue teams searched for missing people in the mud."},
]
ARTICLES = read_article_records(RECORDS)
BY_ID = {a.id: a for a in ARTICLES}

FUSED = "Floods in Valencia killed 95 people on Tuesday after a year's rain fell in eight hours."
MOURNING = "Spain declared three days of mourning."
INVENTED = [
    "The floods killed 120 people in Valencia.",  # a number no source gives
    "Climate change likely made the floods much worse.",  # speculation
    "“We will rebuild everything,” said Carlos Mazon.",  # a quotation no source holds
]


def chat_reply(content: str) -> Reply:
    body = {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant",
                                                                                           "content": content}}]}
    return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def model_server(reply: Reply | str):
    """A loopback server whose /v1/chat/completions answers ``reply`` and records each request's body."""
    requests: list[dict] = []

    def complete(handler) -> Reply:
        requests.append({"body": json.loads(handler.body), "auth": handler.headers.get("Authorization")})
        return chat_reply(reply) if isinstance(reply, str) else reply

    return serve({"/v1/chat/completions": complete}), requests


def draft(headline: str, *summary: str) -> str:
    return json.dumps({"headline": headline, "summary": list(summary)})


def test_the_model_writes_the_summary_and_only_what_the_sources_state_is_kept(caplog):
    server, requests = model_server(draft("Floods in Valencia kill 95 people", FUSED, *INVENTED, MOURNING))
    with server as live, caplog.at_level(logging.INFO):
        model = OpenAIChatModel(live.base + "/v1", "tiny-news", api_key="sekrit")
        brief = synthesize("floods", ARTICLES, engine=LanguageModelEngine(model))
    assert brief.engine == "llm/1"
    assert [c.text for c in brief.summary] == [FUSED, MOURNING]
    fused, mourning = brief.summary
    assert [c.quote for c in fused.citations] == ["Floods in Valencia killed 95 people on Tuesday, officials said.",
                                                   "Rivers burst their banks after a year's rain fell in eight hours."]
    assert fused.outlets == ("Reuters",) and fused.single_source  # no other outlet's sentences hold all of it
    assert mourning.outlets == ("BBC", "AP") and not mourning.single_source  # AP's own sentence holds it too
    for claim in brief.summary:
        assert all(BY_ID[c.article].text[c.start:c.end] == c.quote for c in claim.citations)
    assert brief.headline == "Floods in Valencia kill 95 people" and brief.headline_from is None
    dropped = [r.getMessage() for r in caplog.records if "model sentence dropped" in r.getMessage()]
    assert len(dropped) == 3 and "120" in dropped[0] and "no source states its gist" in dropped[1]
    assert "rebuild" in dropped[2]
    (request,) = requests
    assert request["auth"] == "Bearer sekrit" and request["body"]["model"] == "tiny-news"
    system, user = request["body"]["messages"]
    assert system["role"] == "system" and "JSON" in system["content"]
    assert "[1] (Reuters) Floods in Valencia killed 95 people on Tuesday, officials said." in user["content"]


def test_the_extractive_summary_stays_in_the_brief_as_key_facts_unless_the_model_cites_it():
    server, _ = model_server(draft("Floods in Valencia kill 95 people", MOURNING))
    with server as live:
        brief = synthesize("floods", ARTICLES, engine=LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m")))
    extractive = synthesize("floods", ARTICLES)
    cited = {(c.article, c.start) for c in brief.summary[0].citations}
    expected = [c.text for c in (*extractive.summary, *extractive.key_facts)
                if (c.citations[0].article, c.citations[0].start) not in cited]
    assert [c.text for c in brief.key_facts] == expected
    assert brief.quotes == extractive.quotes and brief.sources == extractive.sources


@pytest.mark.parametrize("reply, reason", [
    (Reply(500, b"model overloaded"), "HTTP 500"),
    ("I cannot help with that.", "holds no JSON object"),
    (draft("Floods", *INVENTED), "no sentence model"),
    ('{"headline": 3, "summary": "x"}', 'is not {"headline"'),
])
def test_without_a_usable_reply_the_extractive_brief_stands_and_says_why(reply, reason, caplog):
    server, _ = model_server(reply)
    with server as live, caplog.at_level(logging.WARNING):
        brief = synthesize("floods", ARTICLES, engine=LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m")))
    assert brief == synthesize("floods", ARTICLES, engine=ExtractiveEngine())
    assert brief.engine == "extractive/1"
    assert any(reason in r.getMessage() and "extractive brief stands" in r.getMessage() for r in caplog.records)


def test_a_headline_the_sources_do_not_bear_out_or_that_shouts_is_replaced_by_the_extractive_one():
    for headline in ("BREAKING: Floods in Valencia kill 95 people", "Floods in Valencia kill 200 people",
                     "Did floods in Valencia kill 95 people?", "Government failures doomed Valencia"):
        server, _ = model_server(draft(headline, MOURNING))
        with server as live:
            brief = synthesize("floods", ARTICLES, engine=LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m")))
        assert brief.engine == "llm/1" and brief.headline_from is not None, headline
        assert brief.headline == synthesize("floods", ARTICLES).headline


def test_a_reply_is_read_from_a_code_fence_and_its_white_space_tidied():
    fenced = 'Here is the brief:\n```json\n{"headline": " Floods  kill 95 ", "summary": ["A  b.", " "]}\n```'
    assert read_draft(fenced) == read_draft('{"headline": "Floods kill 95", "summary": ["A b."]}')
    assert read_draft(fenced).summary == ("A b.",)
    with pytest.raises(ModelError, match="does not parse"):
        read_draft('{"headline": "x", "summary": [}')


def test_the_prompt_shows_each_article_lead_first_with_its_outlet_and_stays_within_its_budget():
    (_, user) = prompt(ARTICLES)
    lines = [line for line in user["content"].splitlines() if line.startswith("[")]
    assert [line.split(") ")[0] for line in lines[:2]] == ["[1] (Reuters", "[2] (Reuters"]
    assert len(lines) == 8  # every candidate sentence of three short articles
    flood = read_article_records([{"id": f"x{n}", "title": "t", "source": "S", "text": " ".join(
        f"Sentence number {k} of article {n} says something long enough to count." for k in range(30))}
        for n in range(100)])
    (_, user) = prompt(flood)
    assert 11_000 < len(user["content"]) < 12_200


def test_post_json_reports_what_went_wrong_with_the_service():
    routes = {"/big": lambda h: Reply(200, b"{" + b" " * 2_000 + b"}"), "/text": lambda h: Reply(200, b"hello"),
              "/list": lambda h: Reply(200, b"[1, 2]"), "/slow": lambda h: Reply(200, b"{}", delay=1.5)}
    with serve(routes) as live:
        for path, reason in (("/big", "larger than 1,000 bytes"), ("/text", "not JSON"),
                             ("/list", "not a JSON object"), ("/slow", "no answer within 0.5 s"),
                             ("/none", "HTTP 404 Not Found: not found")):
            with pytest.raises(FetchError, match=reason) as caught:
                post_json(live.base + path, {"q": 1}, timeout=0.5, max_bytes=1_000)
            assert caught.value.url == live.base + path
    with pytest.raises(FetchError, match="request failed") as caught:
        post_json("http://user:sekrit@127.0.0.1:9/v1?key=sekrit", {}, timeout=2)
    assert "sekrit" not in str(caught.value)
    for url in ("file:///etc/passwd", "http://[::1/v1"):
        with pytest.raises(FetchError, match="only absolute http and https"):
            post_json(url, {})
    with serve({"/moved": lambda h: Reply(302, b"", {"Location": "/v1"})}) as live:
        with pytest.raises(FetchError, match="HTTP 302"):  # a redirect is not followed
            post_json(live.base + "/moved", {})


def stored_model_brief(path):
    """A database at ``path`` with the flood story, its brief written by the live path with a model; the brief
    as stored, and the requests the model had."""
    server, requests = model_server(draft("Floods in Valencia kill 95 people", FUSED, MOURNING))
    with server as live, SQLiteStore(path) as store:
        pipeline.ingest_articles(store, ARTICLES)
        for article in ARTICLES:
            store.attach(article.id, "floods")
        pipeline.write_brief(store, "floods", engine=LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m")))
        return store.get_brief("floods"), requests


def test_the_live_path_writes_and_stores_the_model_brief(tmp_path):
    stored, requests = stored_model_brief(tmp_path / "news.db")
    assert stored.engine == "llm/1" and [c.text for c in stored.summary] == [FUSED, MOURNING]
    assert len(requests) == 1


def test_synthesize_command_with_the_llm_engine(newsweave, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    server, requests = model_server(draft("Floods in Valencia kill 95 people", FUSED, INVENTED[0]))
    with server as live:
        env = {"NEWSWEAVE_LLM_URL": live.base + "/v1", "NEWSWEAVE_LLM_MODEL": "tiny-news"}
        result = newsweave("synthesize", path, "--engine", "llm", env=env)
    (brief,) = read_jsonl(result.out)
    assert brief["engine"] == "llm/1" and [c["text"] for c in brief["summary"]] == [FUSED]
    assert requests[0]["body"]["model"] == "tiny-news"
    missing = newsweave("synthesize", path, env={"NEWSWEAVE_ENGINE": "llm"})
    assert missing.code == 2 and "needs NEWSWEAVE_LLM_URL" in missing.err


def test_verify_keeps_guarding_a_model_brief_that_was_tampered_with():
    server, _ = model_server(draft("Floods in Valencia kill 95 people", FUSED, MOURNING))
    with server as live:
        engine = LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m"))
        written = engine.write_brief("floods", ARTICLES)
    fused, mourning = written.summary
    turned = replace(fused, text=fused.text.replace("killed", "did not kill"))
    hedged = replace(mourning, text="Spain may declare three days of mourning.")
    kept_fact = replace(written.key_facts[0], text=written.key_facts[0].text[:-1] + " today.")

    class Fixed:
        name, abstractive = "llm/1", frozenset({"summary"})

        def write_brief(self, story_id, articles):
            return replace(written, summary=(turned, hedged, fused), key_facts=(kept_fact,))

    checked = synthesize("floods", ARTICLES, engine=Fixed())
    assert checked.summary == (fused,)
    assert checked.key_facts == ()  # a key fact is still held to being a span


def test_a_long_draft_keeps_its_first_four_sentences_that_hold_and_the_key_stays_out_of_logs():
    verbatim = ["Rivers burst their banks after a year's rain fell in eight hours.",
                "Spain declared three days of mourning.", "Rescue teams searched for missing people in the mud.",
                "At least 95 people died in floods in eastern Spain, officials said on Wednesday.",
                "Floods in Valencia killed 95 people on Tuesday, officials said."]
    server, _ = model_server(draft("Floods in Valencia kill 95 people", INVENTED[1], *verbatim))
    with server as live:
        model = OpenAIChatModel(live.base + "/v1", "m", api_key="sekrit")
        brief = synthesize("floods", ARTICLES, engine=LanguageModelEngine(model))
    assert [c.text for c in brief.summary] == verbatim[:4]
    assert "sekrit" not in repr(model)


def test_eval_synthesis_holds_a_model_brief_to_the_abstractive_rules(tmp_path):
    server, _ = model_server(draft("Floods in Valencia kill 95 people", FUSED, MOURNING))
    with server as live:
        brief = synthesize("floods", ARTICLES, engine=LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m")))
    reference = {"story": "floods", "headline": "Floods kill 95 in Spain", "summary": FUSED}
    for articles in (BY_ID, None):
        scores = evaluate_synthesis([brief.to_dict()], [reference], articles)
        assert scores.verified == 1.0 and scores.claims == len(brief.summary) + len(brief.key_facts)
    tampered = replace(brief, summary=(replace(brief.summary[0], text=FUSED.replace("Tuesday", "Monday")),))
    assert evaluate_synthesis([tampered.to_dict()], [reference], BY_ID).verified < 1.0


def test_readers_are_told_a_model_wrote_the_summary_on_the_story_page_and_in_markdown(tmp_path):
    model_brief, _ = stored_model_brief(tmp_path / "news.db")
    with TestClient(create_app(tmp_path / "news.db")) as client:
        page = client.get("/stories/floods").text
    assert "A language model wrote this headline and summary." in page
    assert "A language model wrote this headline and summary." in render_markdown(model_brief)
    kept_title = replace(model_brief, headline="Floods in Valencia kill 95", headline_from="r1")
    assert "A language model wrote this summary." in render_markdown(kept_title)
    extractive = synthesize("floods", ARTICLES)
    assert "language model" not in render_markdown(extractive)


def test_a_service_that_keeps_failing_is_not_asked_again_in_the_batch(caplog):
    server, requests = model_server(Reply(503, b"down"))
    with server as live, caplog.at_level(logging.WARNING):
        engine = LanguageModelEngine(OpenAIChatModel(live.base + "/v1", "m"))
        briefs = [synthesize(f"floods-{n}", ARTICLES, engine=engine) for n in range(6)]
    assert len(requests) == 3 and {b.engine for b in briefs} == {"extractive/1"}
    assert "not asked again in this batch" in caplog.records[-1].getMessage()


def test_an_unexpected_error_with_one_story_leaves_its_extractive_brief_and_the_next_story_is_asked(caplog):
    class Flaky:
        name, calls = "flaky", 0

        def complete(self, messages):
            self.calls += 1
            if self.calls == 1:
                raise RuntimeError("a bug in a client library")
            return draft("Floods in Valencia kill 95 people", MOURNING)

    engine = LanguageModelEngine(Flaky())
    with caplog.at_level(logging.ERROR):
        first, second = (synthesize(story, ARTICLES, engine=engine) for story in ("one", "two"))
    assert first.engine == "extractive/1" and second.engine == "llm/1"
    assert "RuntimeError" in caplog.text


def test_ingest_writes_model_briefs_when_the_engine_setting_says_so(newsweave, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    server, requests = model_server(draft("Floods in Valencia kill 95 people", FUSED, MOURNING))
    with server as live:
        env = {"NEWSWEAVE_ENGINE": "llm", "NEWSWEAVE_LLM_URL": live.base + "/v1", "NEWSWEAVE_LLM_MODEL": "m",
               "NEWSWEAVE_DB": str(tmp_path / "news.db")}
        assert newsweave("ingest", path, env=env).code == 0
    (story,) = json.loads(newsweave("stories", "--format", "json", env=env).out)
    brief = json.loads(newsweave("story", story["story"], "--format", "json", env=env).out)
    assert brief["engine"] == "llm/1" and FUSED in [c["text"] for c in brief["summary"]]
    assert len(requests) == 1
    refused = newsweave("ingest", path, env={**env, "NEWSWEAVE_LLM_URL": ""})
    assert refused.code == 2 and "needs NEWSWEAVE_LLM_URL" in refused.err


def test_synthesize_command_stops_asking_a_service_that_keeps_failing(newsweave, tmp_path):
    stories = [{**record, "id": f"{record['id']}-{n}", "story": f"floods-{n}"} for n in range(5) for record in RECORDS]
    path = write_jsonl(tmp_path / "a.jsonl", stories)
    server, requests = model_server(Reply(503, b"down"))
    with server as live:
        env = {"NEWSWEAVE_LLM_URL": live.base + "/v1", "NEWSWEAVE_LLM_MODEL": "m"}
        result = newsweave("synthesize", path, "--engine", "llm", env=env)
    assert [b["engine"] for b in read_jsonl(result.out)] == ["extractive/1"] * 5
    assert len(requests) == 3 and "not asked again in this batch" in result.err
