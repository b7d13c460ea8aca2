"""The general engine: a network of registered layer kinds (sb3gen.kinds) whose params live in the stage list
`weights` and whose layers run as loops over lists, so a project's size does not grow with its weights.

  plan.py       the network's layers (names, shapes, checks), each layer's lists and items in `weights`
  reference.py  numpy mirror of the blocks: forward, softmax, loss, backward, per-sample SGD
  project.py    the Network sprite and the stage data (templates/loops/, each kind's templates/kinds/ macros)
"""
