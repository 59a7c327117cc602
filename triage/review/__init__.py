"""The reviewers' web page: audit the reasoning behind rejections, overturn them, feed the eval set.

`routes.install(app)` adds it to the `triage serve` app under /review; `cli` adds
`triage user add` and `triage review export`.
"""
