"""The load test (locust) and its drivers; see loadtest/run.py."""
