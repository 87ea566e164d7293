"""A simulated OCPP 1.6J charging station (`flask simulate`, `python -m simulator`).

It runs on asyncio with the `ocpp` package's charge-point side and `websockets`, in a
process of its own: never inside the gevent-patched portal process.
"""
