"""The built-in certification suite: ``pytest --pyargs contract.suite --contract-url …``.

One test per requirement of the catalogue (UC-…), run over each selected transport.
"""
