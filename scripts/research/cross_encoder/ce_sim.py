"""Does a second look at uncertain decisions, with or without a cross-encoder, lift clustering F1?

    /tmp/ft/bin/python ce_sim.py ce.h0.npz [--feats logit,ce_max,ce_mean] [--shuffled] [--extra crawl dev.13]
    /tmp/ft/bin/python ce_sim.py none --feats logit,gap,ncand,f0,...,f9 --shuffled   # no cross-encoder

The product's clusterer runs on train half 1 (the stories the cross-encoder of train_ce.py --half 0 never saw),
cut into four dev-sized chunks (and, with --shuffled, each also in a shuffled order). For every decision whose
best candidate's p lies in [lo, hi), its top-k candidates give a row of --feats (the scorer's log-odds, the lead
over the other leading candidate, how many candidates, the scorer's evidence f0-f9, and the cross-encoder's
max / mean logit over the candidate's members most similar to the article), labelled by whether most of the
candidate's members are of the article's gold story. A logistic model on those rows then settles such
decisions (the best p2 >= t2 joins, else a new story); t2 is chosen on the train chunks and the result is
scored on dev and on the --extra files (crawl, the shuffled dev orders written by vectors.py).
Cross-encoder logits are cached in MODEL.cache.pkl.
"""
import argparse
import json
import math
import os
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from ce_model import PairTokens, read_jsonl, restore, score_batch, side_text

from newsweave.evaluation.clustering import score_clustering
from newsweave.stages.cluster import OnlineClusterer, cluster_articles, evidence

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from fit_cluster_scorer import fit_logistic  # noqa: E402  (scripts/, the scorer's own fit)

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "allsides"
LAB = Path(os.environ.get("LAB", "/tmp/lab"))
T2S = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


class CE:
    def __init__(self, model, side, cache_path):
        self.params = restore(model) if model != "none" else None
        self.tok, self.cache_path = PairTokens(side), Path(cache_path)
        self.cache = pickle.loads(self.cache_path.read_bytes()) if self.cache_path.exists() else {}
        self.text = {}

    def scores(self, pairs):
        todo = [p for p in dict.fromkeys(pairs) if p not in self.cache]
        for n in range(0, len(todo), 32):
            chunk = todo[n:n + 32]
            batch = [(self.text[a], self.text[b]) for a, b in chunk]
            width = next(w for w in (4, 8, 16, 32) if w >= len(batch))  # few shapes, so few compilations
            batch += [batch[-1]] * (width - len(batch))
            out = np.asarray(score_batch(self.params, *self.tok.batch(batch)))[: len(chunk)]
            self.cache.update({p: float(z) for p, z in zip(chunk, out, strict=True)})
        return [self.cache[p] for p in pairs]

    def save(self):
        self.cache_path.write_bytes(pickle.dumps(self.cache))


ROW = [f"f{i}" for i in range(10)]


def lg(p):
    return math.log(max(p, 1e-9) / max(1 - p, 1e-9))


def candidate_features(ce, args, signals, story, p, rank, other_p, ncand, sim, row):
    f = {"logit": lg(p), "rank": rank, "gap": lg(p) - lg(other_p), "ncand": ncand, "sim": sim,
         **dict(zip(ROW, row, strict=True))}
    if any(n.startswith("ce") for n in args.feats):
        order = np.argsort(-(story.member_matrix() @ signals.vector))[: args.members]
        z = ce.scores([(signals.id, story.members[i].id) for i in order])
        f.update(ce_max=max(z), ce_mean=sum(z) / len(z), ce_first=z[0])
    return [f[n] for n in args.feats]


class Stage2(OnlineClusterer):
    def __init__(self, ce, args, w=None, b=0.0, t2=0.5, gold=None, log=None, mu=0.0, sd=1.0):
        super().__init__()
        self.mu, self.sd = mu, sd
        self.ce, self.args, self.w, self.b, self.t2, self.gold, self.log = ce, args, w, b, t2, gold, log

    def _best_story(self, signals):
        near = [(s, sim) for s, sim in self.index.nearest(signals.vector, self.config.candidates)
                if sim >= self.config.min_similarity]
        if not near:
            return None, 0.0
        rows = np.vstack([evidence(signals, self.stories[sid], sim) for sid, sim in near])
        ps = self.scorer.probabilities(rows, [self._hours_apart(signals, self.stories[s]) for s, _ in near])
        best = int(np.argmax(ps))
        if not (self.args.lo <= ps[best] < self.args.hi):
            return (near[best][0], float(ps[best])) if ps[best] >= self.scorer.threshold else (None, float(ps[best]))
        top = np.argsort(-ps, kind="stable")[: self.args.top]
        other = [ps[top[1]] if len(top) > 1 else 0.0, ps[top[0]]]
        feats = [candidate_features(self.ce, self.args, signals, self.stories[near[i][0]], ps[i], r, other[min(r, 1)],
                                    len(near), near[i][1], rows[i]) for r, i in enumerate(top)]
        if self.log is not None:
            for i, f in zip(top, feats, strict=True):
                labels = Counter(self.gold[m.id] for m in self.stories[near[i][0]].members)
                self.log.append((f, float(labels.most_common(1)[0][0] == self.gold[signals.id])))
        if self.w is None:
            return (near[best][0], float(ps[best])) if ps[best] >= self.scorer.threshold else (None, float(ps[best]))
        p2 = 1 / (1 + np.exp(-(((np.asarray(feats) - self.mu) / self.sd) @ self.w + self.b)))
        k = int(np.argmax(p2))
        return (near[top[k]][0], float(p2[k])) if p2[k] >= self.t2 else (None, float(p2[k]))


def auc(s, y):
    s, y = np.asarray(s), np.asarray(y)
    pos, neg = s[y == 1], s[y == 0]
    return float((pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean())


def load_split(shuffled=False):
    dev = read_jsonl(DATA / "dev.articles.jsonl")
    train = read_jsonl(DATA / "train.articles.jsonl")
    tv = np.load(LAB / "train.cfvec.npy")
    stories = list(dict.fromkeys(a["story"] for a in train))
    half1 = [s for k, s in enumerate(stories) if k % 2 == 1]
    size = len(half1) // 4
    chunks = []
    for c in range(4):
        chosen = set(half1[c * size:(c + 1) * size])
        rows = [i for i, a in enumerate(train) if a["story"] in chosen]
        chunks.append(([train[i] for i in rows], tv[rows]))
        if shuffled:
            order = np.random.default_rng(100 + c).permutation(len(rows))
            chunks.append(([train[rows[i]] for i in order], tv[[rows[i] for i in order]]))
    return chunks, (dev, np.load(LAB / "dev.vec.npy"))


def to_articles(dicts):
    from newsweave.stages.ingest import read_articles
    lines = "".join(json.dumps(d) + "\n" for d in dicts).encode()
    import io
    return [p.article for p in read_articles(io.BytesIO(lines)) if p.article]


def run(ce, args, part, **kw):
    dicts, vecs = part
    ce.text.update({d["id"]: side_text(d) for d in dicts})
    arts = to_articles(dicts)
    gold = {a.id: a.label for a in arts}
    predicted = cluster_articles(arts, vecs, Stage2(ce, args, gold=gold, **kw))
    return score_clustering(gold, predicted).bcubed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--lo", type=float, default=0.01)
    ap.add_argument("--hi", type=float, default=0.3)
    ap.add_argument("--top", type=int, default=2)
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--side", type=int, default=62)
    ap.add_argument("--feats", default="logit,ce_max,ce_mean")
    ap.add_argument("--extra", nargs="*", default=[])
    ap.add_argument("--shuffled", action="store_true", help="fit on train chunks in file and shuffled order")
    args = ap.parse_args()
    args.feats = args.feats.split(",")
    ce = CE(args.model, args.side, args.model + ".cache.pkl")
    chunks, dev = load_split(args.shuffled)
    rows = []
    for part in chunks:
        run(ce, args, part, log=rows)
    dev_rows = []
    base = run(ce, args, dev, log=dev_rows)
    ce.save()
    x, y = np.array([f for f, _ in rows]), np.array([t for _, t in rows])
    dx, dy = np.array([f for f, _ in dev_rows]), np.array([t for _, t in dev_rows])
    mu, sd = x.mean(0), x.std(0) + 1e-9
    w, b = fit_logistic((x - mu) / sd, y)
    x, dx = (x - mu) / sd, (dx - mu) / sd
    print(f"stage 2: w {np.round(w, 3).tolist()} b {b:.3f}; rows train {len(y)} dev {len(dy)}", flush=True)
    for name, fx, fy in (("train-h1", x, y), ("dev", dx, dy)):
        print(f"{name}: AUC p {auc(fx[:, 0], fy):.4f}, stage2 {auc(fx @ w, fy):.4f}", flush=True)
    print(f"dev baseline P {base.precision:.4f} R {base.recall:.4f} F1 {base.f1:.4f}", flush=True)
    results = {}
    for t2 in T2S:
        f1s = [run(ce, args, part, w=w, b=b, t2=t2, mu=mu, sd=sd).f1 for part in chunks]
        d = run(ce, args, dev, w=w, b=b, t2=t2, mu=mu, sd=sd)
        results[t2] = float(np.mean(f1s))
        print(f"t2 {t2}: train-h1 chunk F1 {np.mean(f1s):.4f}; dev P {d.precision:.4f} R {d.recall:.4f} "
              f"F1 {d.f1:.4f}", flush=True)
    ce.save()
    best = max(results, key=results.get)
    for name in args.extra:
        part = (read_jsonl(LAB / f"{name}.jsonl" if name != "crawl" else DATA / "crawl.articles.jsonl"),
                np.load(LAB / f"{name.replace('.', '')}.vec.npy"))
        b0 = run(ce, args, part)
        b1 = run(ce, args, part, w=w, b=b, t2=best, mu=mu, sd=sd)
        print(f"{name}: baseline F1 {b0.f1:.4f} (P {b0.precision:.4f} R {b0.recall:.4f}); stage 2 at t2 {best}: "
              f"F1 {b1.f1:.4f} (P {b1.precision:.4f} R {b1.recall:.4f})", flush=True)
    print(json.dumps({"chosen_t2": best, "train_chunk_f1": round(results[best], 4)}))


if __name__ == "__main__":
    sys.exit(main())
