"""The shared definition lookups recipes aim their edits with (assistant/repair/recipes/_definitions.py)."""

import libcst as cst

from assistant.repair.recipes._definitions import assignment
from assistant.repair.recipes._edit import Script

VOCAB_THEN_LOOP = """\
vocab_size = 100
for epoch in range(3):
    pass
table = vocab_size
"""


def test_a_loop_that_does_not_bind_the_name_is_not_its_definition():
    script = Script(VOCAB_THEN_LOOP)
    user = next(node for node in script.nodes(cst.Name) if node.value == "vocab_size" and script.span(node)[0] == 4)
    node, value = assignment(script, "vocab_size", user)
    assert isinstance(node, cst.Assign) and script.code(value) == "100"


def test_a_loop_that_binds_the_name_hides_its_value():
    script = Script(VOCAB_THEN_LOOP.replace("for epoch in", "for vocab_size in"))
    user = next(node for node in script.nodes(cst.Name) if node.value == "vocab_size" and script.span(node)[0] == 4)
    assert assignment(script, "vocab_size", user) is None  # what the loop left in it is known at run time only


def test_names_built_by_one_tuple_assignment_are_bound_to_their_own_calls():
    script = Script("model, criterion = VAE(latent=2), ELBOLoss(beta=0.5)\nx, y = load()\n")
    bound = {name: script.code(call) for name, call in script.bindings.items()}
    assert bound == {"model": "VAE(latent=2)", "criterion": "ELBOLoss(beta=0.5)"}  # `x, y = load()` binds no call
