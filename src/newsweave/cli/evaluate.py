"""``newsweave eval …``: the measures the project reports, on gold data."""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click

from newsweave.cli.base import EXIT_SKIPPED, Commands, main, read_article_file, read_json_objects, read_story_labels
from newsweave.errors import NewsweaveError
from newsweave.evaluation.clustering import ClusteringError, ClusteringScores, clustering_errors, score_clustering
from newsweave.evaluation.extraction import score_extraction
from newsweave.evaluation.synthesis import evaluate_synthesis
from newsweave.models import Brief
from newsweave.stages.extract import extract_page


@main.group(name="eval", cls=Commands)
def evaluate() -> None:
    """Measure quality against gold data: the figures the project reports."""


@evaluate.command()
@click.argument("gold", metavar="GOLD.jsonl", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.argument("assignments", metavar="ASSIGNMENTS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--errors", "show", type=click.IntRange(min=0), default=0, metavar="N",
              help="Also list the N merges and the N splits that misplace the most articles, with titles.")
def clustering(gold: str, assignments: str, fmt: str, show: int) -> None:
    """BCubed and pairwise precision, recall and F1 of story assignments against gold labels.

    GOLD has an ``id`` and a gold ``story`` per line (an evaluation articles file);
    ASSIGNMENTS is what ``newsweave cluster`` wrote. Every gold article must be assigned.
    With ``--errors N``, the predicted stories that join gold stories (merged: they cost precision)
    and the gold stories spread over predicted ones (split: they cost recall), worst first.

    \b
    Example:
      newsweave cluster dev.articles.jsonl -o dev.assignments.jsonl
      newsweave eval clustering dev.articles.jsonl dev.assignments.jsonl --errors 10
    """
    titles: dict[str, str] = {}
    skipped: list[str] = []
    truth, predicted = read_story_labels(gold, titles, skipped), read_story_labels(assignments, skipped=skipped)
    try:
        scores = score_clustering(truth, predicted)
    except ValueError as error:
        raise NewsweaveError(f"cannot score {assignments} against {gold}: {error}") from None
    errors = clustering_errors(truth, predicted) if show else []
    merged = [e for e in errors if e.kind == "merged"][:show]
    split = [e for e in errors if e.kind == "split"][:show]
    if fmt == "json":
        extra = {"errors": {"merged": [e.to_dict() for e in merged], "split": [e.to_dict() for e in split]}}
        click.echo(json.dumps({**scores.to_dict(), **(extra if show else {})}))
    else:
        _echo_table(scores, errors if show else None, merged, split, titles)
    if skipped:
        sys.exit(EXIT_SKIPPED)


def _echo_table(scores: ClusteringScores, errors: list[ClusteringError] | None, merged: list[ClusteringError],
                split: list[ClusteringError], titles: dict[str, str]) -> None:
    """The scores as a table; with ``errors`` (all of them: ``--errors`` was given), the worst merges and splits."""
    click.echo(f"{'':<10}{'precision':>10}{'recall':>10}{'F1':>10}")
    for name, prf in (("BCubed", scores.bcubed), ("pairwise", scores.pairwise)):
        click.echo(f"{name:<10}{prf.precision:>10.4f}{prf.recall:>10.4f}{prf.f1:>10.4f}")
    click.echo(f"{scores.articles} articles, {scores.gold_stories} gold stories, "
               f"{scores.predicted_stories} predicted stories")
    if errors is not None:
        counts = Counter(e.kind for e in errors)
        _echo_errors(f"merged: predicted stories holding several gold stories ({counts['merged']} in all)",
                     "gold", merged, titles)
        _echo_errors(f"split: gold stories spread over several predicted stories ({counts['split']} in all)",
                     "predicted", split, titles)


def _echo_errors(heading: str, part: str, errors: list[ClusteringError], titles: dict[str, str]) -> None:
    click.echo(f"\n{heading}")
    for error in errors:
        click.echo(f"  {error.story}")
        for label, ids in error.groups:
            for article in ids:
                click.echo(f"    {part} {label}  {article}  {titles.get(article, '')}".rstrip())


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
        articles = {article.id: article for article in read_article_file(articles_path)}
    skipped: list[str] = []
    scores = evaluate_synthesis(read_json_objects(briefs, skipped, check=_brief_problem),
                                read_json_objects(references, skipped, check=_reference_problem), articles)
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict()))
    else:
        click.echo(f"summary   ROUGE-1 {scores.rouge1:6.2f}  ROUGE-2 {scores.rouge2:6.2f}  "
                   f"ROUGE-Lsum {scores.rouge_lsum:6.2f}")
        click.echo(f"headline  ROUGE-L {scores.headline_rouge_l:6.2f}")
        click.echo(f"claims {scores.claims}: {scores.verified:.2%} pass verification, "
                   f"{scores.single_source:.2%} single-source")
        click.echo(f"{scores.stories} stories scored, {scores.missing} references without a brief")
    if skipped:
        sys.exit(EXIT_SKIPPED)


def _brief_problem(record: dict) -> str | None:
    """Why a line of a briefs file is not a brief (FORMATS.md §3), or None."""
    try:
        brief = Brief.from_dict(record)
    except KeyError as missing:
        return f"not a brief (FORMATS.md §3): no {missing.args[0]!r} field"
    except (TypeError, ValueError, AttributeError) as error:
        return f"not a brief (FORMATS.md §3): {error}"
    texts = [brief.story, brief.headline, *(claim.text for claim in (*brief.summary, *brief.key_facts))]
    if not all(isinstance(text, str) for text in texts):
        return "not a brief (FORMATS.md §3): its story, headline and claim texts must be strings"
    return None


def _reference_problem(record: dict) -> str | None:
    """Why a line of a references file is not a reference (``story``, ``summary``, ``headline``), or None."""
    for field in ("story", "summary", "headline"):
        if not isinstance(record.get(field), str):
            return f"a reference needs a string {field!r}"
    return None


@evaluate.command(name="audit")
@click.argument("cases_path", metavar="CASES.jsonl", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="json also lists every failed case with its report.")
def audit_eval(cases_path: str, fmt: str) -> None:
    """Per-kind accuracy of ``newsweave audit`` on labelled cases (built by ``eval audit-cases``).

    A case is one JSON object per line: {"id", "kind", "text", "expect": "supported"|"not_supported",
    "quote": invented quote or null, "sources": [article, ...]}. A ``real`` case passes when every
    sentence is supported; any other when some sentence is not, and a ``quote`` case only when its
    quote is also reported as not found.

    \b
    Example:
      newsweave eval audit-cases dev.articles.jsonl -o dev.audit-cases.jsonl
      newsweave eval audit dev.audit-cases.jsonl
    """
    from newsweave.evaluation.audit import AuditCase, MemoryCache, score_audit
    from newsweave.stages.embed import CachedEmbedder, MiniLMEmbedder

    cases = [AuditCase.from_dict(value) for value in read_json_objects(cases_path)]
    scores = score_audit(cases, CachedEmbedder(MiniLMEmbedder(), MemoryCache()))
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict(), ensure_ascii=False))
        return
    click.echo(f"{'kind':<12}{'cases':>7}{'passed':>8}{'accuracy':>10}")
    for kind in scores.kinds:
        click.echo(f"{kind.kind:<12}{kind.cases:>7}{kind.passed:>8}{kind.accuracy:>10.2%}")


@evaluate.command(name="audit-cases")
@click.argument("articles_path", metavar="ARTICLES.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), metavar="CASES.jsonl")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random choices.")
def audit_cases(articles_path: str, output: str, seed: int) -> None:
    """Build labelled audit cases from articles with gold ``story`` labels (e.g. the AllSides splits).

    Per story: two real sentences copied (expect supported); one with a number changed, one with a
    person's name swapped for one from another story, a sentence of another story, generic commentary,
    and an invented quote (all expect not supported). Sources go inline in each case.

    \b
    Example:
      newsweave eval audit-cases ../shared/data/allsides/dev.articles.jsonl -o dev.audit-cases.jsonl --seed 1
    """
    from newsweave.evaluation.audit import build_cases

    cases = build_cases(list(read_article_file(articles_path)), seed)
    with open(output, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(case.to_dict(), ensure_ascii=False) + "\n" for case in cases)
    click.echo(f"{len(cases)} cases written to {output}", err=True)
