"""Shape comments: what a fragment's comments say its values are, and only when they say it exactly."""

from assistant.repair.shape_comments import BATCH, declared_shapes

FRAGMENT = """\
# images: (16, 3, 32, 32)   loaded by the augmenting loader
feats = self.backbone(images)   # -> [16, 512, 1, 1]
def forward(self, x):  # x: (N, 20)
    tokens = batch["ids"]  # tokens: (N, 128)
    emb = self.embed(tokens)  # (N, 128, E)
    grid = make_grid()   # 28 x 28
"""


def test_named_and_line_shapes_are_read_with_the_batch_given_a_size():
    shapes = declared_shapes(FRAGMENT)
    assert shapes.named == {"images": (16, 3, 32, 32), "x": (BATCH, 20)}
    assert shapes.by_line == {2: (16, 512, 1, 1)}


def test_integer_data_and_sizes_the_comment_leaves_open_declare_nothing():
    shapes = declared_shapes(FRAGMENT)
    assert "tokens" not in shapes.named and 5 not in shapes.by_line and 6 not in shapes.by_line
    assert not declared_shapes("x = y + 1  # [B, L, E]\n# just a note (see docs)\n")
