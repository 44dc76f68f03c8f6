"""assistant.answering.code_match: pasted code is ranked against broken examples, rare API names weighing most."""

import pytest

from kb.documents import parse_markdown

from assistant.answering.code_match import CodeIndex, broken_example

EXAMPLES = {
    "load": "model = Net()\nmodel.load_state_dict(torch.load('m.pt', weights_only=False))\nmodel = nn.Linear(4, 2)",
    "norm": "bn = nn.BatchNorm1d(128)\nh = bn(nn.Linear(4, 2)(x))",
    "view": "y = nn.Linear(4, 2)(x.transpose(1, 2).view(-1))",
}


@pytest.fixture(scope="module")
def index() -> CodeIndex:
    return CodeIndex(EXAMPLES)


def test_code_ranks_first_the_example_whose_rare_api_it_shares(index):
    assert index.ranked("net.load_state_dict(state)", limit=3)[0][0] == "load"
    assert index.ranked("self.norm = nn.BatchNorm1d(64)", limit=3)[0][0] == "norm"


def test_a_term_every_example_has_weighs_less_than_a_rare_one(index):
    common, rare = index.scores("nn.Linear(8, 8)"), index.scores("x.view(-1)")
    assert common.max() < rare.max()


def test_code_sharing_nothing_ranks_nothing(index):
    assert index.ranked("import os\nprint(os.getcwd())", limit=3) == []
    assert list(index.scores("")) == [0.0, 0.0, 0.0]


def test_the_ranking_is_limited_and_scores_fall(index):
    ranked = index.ranked("x.view(1); torch.load(p); nn.BatchNorm1d(2)", limit=2)
    assert len(ranked) == 2 and ranked[0][1] >= ranked[1][1] > 0


def test_only_the_broken_example_is_matched_not_the_fixed_one():
    entry = parse_markdown("---\nid: e\ntitle: t\nkind: error\n---\n\n## Broken example\n```python\nx.view(-1)\n```\n\n"
                           "## Fixed example\n```python\nx.reshape(-1)\n```\n", source="e.md")
    assert broken_example(entry).strip() == "x.view(-1)"
    index = CodeIndex.of_documents([entry])
    assert index.ranked("x.reshape(-1)", limit=1) == []
    assert index.ranked("x.view(-1)", limit=1)[0][0] == "e.md"


def test_an_index_of_no_examples_ranks_nothing():
    assert CodeIndex({}).ranked("x.view(-1)", limit=3) == []
