"""The ceiling of settling uncertain decisions well: an oracle joins the gold story when it is among the top
candidates of a decision whose best p lies in [lo, hi), else starts a story. /tmp/ft/bin/python oracle.py"""
import sys
from collections import Counter

import numpy as np

sys.path.insert(0, ".")
from ce_sim import cluster_articles, load_split, score_clustering, to_articles  # noqa: E402

from newsweave.stages.cluster import OnlineClusterer, evidence  # noqa: E402


class Oracle(OnlineClusterer):
    def __init__(self, gold, lo, hi, top):
        super().__init__()
        self.gold, self.lo, self.hi, self.top = gold, lo, hi, top

    def _best_story(self, s):
        near = [(x, sim) for x, sim in self.index.nearest(s.vector, self.config.candidates)
                if sim >= self.config.min_similarity]
        if not near:
            return None, 0.0
        rows = np.vstack([evidence(s, self.stories[sid], sim) for sid, sim in near])
        ps = self.scorer.probabilities(rows, [None] * len(near))
        b = int(np.argmax(ps))
        if not (self.lo <= ps[b] < self.hi):
            return (near[b][0], ps[b]) if ps[b] >= self.scorer.threshold else (None, ps[b])
        for i in np.argsort(-ps, kind="stable")[: self.top]:
            members = Counter(self.gold[m.id] for m in self.stories[near[i][0]].members)
            if members.most_common(1)[0][0] == self.gold[s.id]:
                return near[i][0], 1.0
        return None, 0.0


def main():
    _, dev = load_split()
    arts = to_articles(dev[0])
    gold = {a.id: a.label for a in arts}
    for lo, hi in ((0.01, 0.3), (0.003, 0.5), (0.03, 0.3), (0.0, 1.01)):
        for top in (1, 2, 5):
            s = score_clustering(gold, cluster_articles(arts, dev[1], Oracle(gold, lo, hi, top))).bcubed
            print(lo, hi, top, f"P {s.precision:.4f} R {s.recall:.4f} F1 {s.f1:.4f}")


if __name__ == "__main__":
    main()
