"""The eval harness: run labelled cases through the same judgement the worker uses, and score it.

Modules stay small and mostly pure: `dataset` reads cases, `runner` judges them (with a cache),
`metrics` scores, `report` renders, `compare` diffs two runs, `runs` records them for the gate.
"""
