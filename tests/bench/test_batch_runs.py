"""The batch jobs are measured run after run: the report gives the median run's figures, the
range of times and each run's time ratio at twice the data with its spread (issue 19, item 5)."""

from bench.batch import MAX_RATIO_SPREAD, Job, _rows


def result(seconds, rows=1000, rss=100_000):
    return {"rows": rows, "seconds": seconds, "maxrss_kb": rss, "start_rss_kb": 50_000}


JOB = Job("daily", "the daily command", size=lambda scale: 10, available=lambda: None)


def test_it_reports_the_median_run_the_range_and_the_spread_of_the_time_ratio():
    runs = [
        [result(10.0), result(20.0, rows=2000)],  # ratio 2.0
        [result(10.0), result(25.0, rows=2000)],  # ratio 2.5
        [result(12.0), result(26.4, rows=2000)],  # ratio 2.2
    ]

    once, twice = _rows(JOB, runs)

    assert once.name == "the daily command x1"
    assert once.figures["seconds"] == 12.0  # the median run's (ratio 2.2)
    assert once.figures["seconds_range"] == [10.0, 12.0]
    assert twice.figures["time_ratios"] == [2.0, 2.5, 2.2]
    assert twice.figures["time_ratio"] == 2.2
    assert twice.figures["ratio_spread"] == 1.25
    verdicts = {t.name: t.result for t in twice.targets}
    assert verdicts == {
        "time ratio at 2x": "pass",
        "spread of the time ratio over 3 runs": "fail",  # 1.25 > MAX_RATIO_SPREAD
        "memory ratio at 2x": "pass",
    }
    assert MAX_RATIO_SPREAD == 1.2


def test_one_run_leaves_the_spread_not_measured():
    (_once, twice) = _rows(JOB, [[result(10.0), result(19.0)]])

    spread = next(t for t in twice.targets if t.name.startswith("spread"))
    assert spread.result == "not measured"
    assert twice.figures["time_ratio"] == 1.9
