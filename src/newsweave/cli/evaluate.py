"""``newsweave eval …``: the measures the project reports, on gold data."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import click

from newsweave.cli.base import (
    Commands,
    main,
    open_input,
)
from newsweave.errors import NewsweaveError
from newsweave.evaluation.clustering import score_clustering, story_labels
from newsweave.evaluation.extraction import score_extraction
from newsweave.evaluation.synthesis import evaluate_synthesis
from newsweave.jsonl import read_records
from newsweave.stages.extract import extract_page
from newsweave.stages.ingest import read_articles


@main.group(name="eval", cls=Commands)
def evaluate() -> None:
    """Measure quality against gold data: the figures the project reports."""


def _labels_of(path: str) -> dict[str, str]:
    with open_input(path) as (stream, _):
        labels, problems = story_labels(read_records(stream))
    for problem in problems:
        click.echo(f"{path}:{problem.replace(': ', ': skipped: ', 1)}", err=True)
    return labels


@evaluate.command()
@click.argument("gold", metavar="GOLD.jsonl", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.argument("assignments", metavar="ASSIGNMENTS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def clustering(gold: str, assignments: str, fmt: str) -> None:
    """BCubed and pairwise precision, recall and F1 of story assignments against gold labels.

    GOLD has an ``id`` and a gold ``story`` per line (an evaluation articles file);
    ASSIGNMENTS is what ``newsweave cluster`` wrote. Every gold article must be assigned.

    \b
    Example:
      newsweave cluster dev.articles.jsonl -o dev.assignments.jsonl
      newsweave eval clustering dev.articles.jsonl dev.assignments.jsonl
    """
    try:
        scores = score_clustering(_labels_of(gold), _labels_of(assignments))
    except ValueError as error:
        raise NewsweaveError(f"cannot score {assignments} against {gold}: {error}") from None
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict()))
        return
    click.echo(f"{'':<10}{'precision':>10}{'recall':>10}{'F1':>10}")
    for name, prf in (("BCubed", scores.bcubed), ("pairwise", scores.pairwise)):
        click.echo(f"{name:<10}{prf.precision:>10.4f}{prf.recall:>10.4f}{prf.f1:>10.4f}")
    click.echo(f"{scores.articles} articles, {scores.gold_stories} gold stories, "
               f"{scores.predicted_stories} predicted stories")


def _benchmark_pages(truth_path: str, html_dir: str) -> Iterator[tuple[str, str]]:
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    for key, entry in truth.items():
        page = Path(html_dir) / f"{key}.html.gz"
        html = gzip.decompress(page.read_bytes()) if page.exists() else (Path(html_dir) / f"{key}.html").read_bytes()
        yield entry.get("articleBody", ""), extract_page(html, entry.get("url")).text


@evaluate.command()
@click.argument("truth", metavar="GROUND_TRUTH.json", type=click.Path(exists=True, dir_okay=False))
@click.argument("html_dir", metavar="HTML_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def extraction(truth: str, html_dir: str, fmt: str) -> None:
    """Body extraction F1 on the article-extraction-benchmark's pages (word 4-gram shingles).

    GROUND_TRUTH.json maps each page's key to its true ``articleBody``; HTML_DIR holds KEY.html.gz.

    \b
    Example:
      newsweave eval extraction ../shared/data/extraction/ground-truth.json ../shared/data/extraction/html
    """
    scores = score_extraction(_benchmark_pages(truth, html_dir))
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict()))
        return
    click.echo(f"precision {scores.precision:.4f}  recall {scores.recall:.4f}  F1 {scores.f1:.4f}")
    click.echo(f"{scores.pages} pages")


def _json_lines(path: str) -> list[dict]:
    with open_input(path) as (stream, _):
        records = list(read_records(stream))
    for record in records:
        if record.problem:
            click.echo(f"{path}:{record.number}: skipped: {record.problem}", err=True)
    return [r.value for r in records if not r.problem and isinstance(r.value, dict)]


@evaluate.command()
@click.argument("briefs", metavar="BRIEFS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.argument("references", metavar="REFERENCES.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--articles", "articles_path", metavar="ARTICLES.jsonl", type=click.Path(exists=True, dir_okay=False),
              help="Verify citations against these articles' texts (else against the briefs' own quotes).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def synthesis(briefs: str, references: str, articles_path: str | None, fmt: str) -> None:
    """ROUGE of briefs against reference summaries and headlines; share of claims that verify.

    Summary: ROUGE-1/2/Lsum F (rouge-score, stemmed) against each reference ``summary``;
    headline: ROUGE-L F against the reference ``headline``. Also the share of claims, quotes and
    citations that pass verification and the share of single-source claims.

    \b
    Example:
      newsweave synthesize dev.articles.jsonl -o dev.briefs.jsonl
      newsweave eval synthesis dev.briefs.jsonl dev.references.jsonl --articles dev.articles.jsonl
    """
    articles = None
    if articles_path:
        with open_input(articles_path) as (stream, _):
            articles = {p.article.id: p.article for p in read_articles(stream) if p.article}
    scores = evaluate_synthesis(_json_lines(briefs), _json_lines(references), articles)
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict()))
        return
    click.echo(f"summary   ROUGE-1 {scores.rouge1:6.2f}  ROUGE-2 {scores.rouge2:6.2f}  "
               f"ROUGE-Lsum {scores.rouge_lsum:6.2f}")
    click.echo(f"headline  ROUGE-L {scores.headline_rouge_l:6.2f}")
    click.echo(f"claims {scores.claims}: {scores.verified:.2%} pass verification, "
               f"{scores.single_source:.2%} single-source")
    click.echo(f"{scores.stories} stories scored, {scores.missing} references without a brief")
